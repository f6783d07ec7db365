#pragma once
// graph IR → .tflite. Import → export → import gives the same graph (checked on every shared
// model). Constant data shared by several tensors stays shared; buffer 0 is the empty sentinel.

#include "common/diagnostic.h"
#include "model/graph.h"

#include <cstdint>
#include <string>
#include <vector>

namespace ts {

Result<std::vector<uint8_t>> exportTflite(const Model& model);

// Writes the exported bytes atomically (temporary file + rename), so an existing file is never
// left half-written.
Diagnostics writeTfliteFile(const Model& model, const std::string& path);

} // namespace ts
