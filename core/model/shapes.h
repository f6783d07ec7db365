#pragma once
// Output-shape computation for the operators the studio models, and a check of the shapes stored
// in the file against it.

#include "common/diagnostic.h"
#include "model/graph.h"

#include <optional>
#include <vector>

namespace ts {

// The output shape (of output 0) that TFLite semantics give `op` in `graph`, or nullopt where the
// op is not modelled or its inputs do not allow it (a non-constant shape operand, bad rank).
// `why` (optional) receives the reason when nullopt is returned for a modelled op.
std::optional<std::vector<int32_t>> inferOutputShape(const Graph& graph, const Op& op, std::string* why = nullptr);

// Warnings for every op whose stored output shape differs from the computed one, and for
// modelled ops whose operands are malformed (missing inputs, wrong ranks).
Diagnostics checkShapes(const Graph& graph, const std::string& file);

// Reads a constant int32/int64 tensor as int64 values; nullopt if not constant or another type.
std::optional<std::vector<int64_t>> constantInts(const Tensor& t);

// Spatial output size for a window op (conv, depthwise, pool).
int windowOutputSize(int in, int kernel, int stride, int dilation, Padding padding);

} // namespace ts
