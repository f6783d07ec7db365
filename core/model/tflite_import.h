#pragma once
// .tflite → graph IR. The FlatBuffers Verifier runs before anything reads the buffer; every
// index, shape and buffer size is then checked, so a malformed file gives one clear error
// naming what is wrong and where, never a crash.

#include "common/diagnostic.h"
#include "model/graph.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace ts {

struct ImportLimits {
    int64_t maxFileBytes = int64_t(1) << 30;      // 1 GiB: larger files are refused before reading
    int64_t maxTensorBytes = int64_t(1) << 32;    // a tensor over 4 GiB is an absurd shape here
};

// Reads and imports a file. `diagnostics` holds errors, warnings (e.g. a stored shape that differs
// from the computed one) and notes (other subgraphs, unsupported ops). A malformed file gives no
// value and exactly one error. A well-formed file whose ops break their operand contracts
// (model/operands.h) gives the model with those ops marked invalid and one error per violation,
// each naming the op (Diagnostic::op): show it, but run nothing on it.
Result<Model> importTfliteFile(const std::string& path, const ImportLimits& limits = {});

// Imports bytes already in memory; `name` is used in diagnostics as the file name.
Result<Model> importTfliteBytes(std::shared_ptr<const std::vector<uint8_t>> bytes, const std::string& name,
                                const ImportLimits& limits = {});

// Lower-case hex SHA-256 of `bytes`.
std::string sha256Hex(const uint8_t* data, size_t size);

} // namespace ts
