#pragma once
// Conversion between TFLite's BuiltinOptions union and the IR's typed OpOptions, in both
// directions, so importer and exporter agree on every field.

#include "model/graph.h"
#include "tflite_subset_generated.h"

namespace ts {

// Reads the builtin options of `op` (any union member the IR models; other members with no
// fields become EmptyOptions carrying the union type; members with fields that the IR does not
// model yet become std::monostate and `*unmodeled` is set).
OpOptions readOptions(const tflite::Operator& op, bool* unmodeled);

// Writes `options` of an op of kind `kind` into the builder; returns the union type and table
// offset (NONE/0 for monostate). The kind picks the member where one IR struct serves several
// (ElementwiseOptions: ADD/SUB/MUL; ResizeOptions: nearest/bilinear).
std::pair<tflite::BuiltinOptions, flatbuffers::Offset<void>> writeOptions(flatbuffers::FlatBufferBuilder& fbb,
                                                                         OpKind kind, const OpOptions& options);

} // namespace ts
