#pragma once
// Scratch memory declared by the kernels that will execute each op. The memory analysis plans
// these bytes, and the code generator allocates exactly the same amounts, so both read this file.

#include "model/graph.h"

#include <cstdint>
#include <string>
#include <vector>

namespace ts {

struct KernelScratch {
    int64_t bytes = 0;
    std::string what; // e.g. "im2col of 2 output pixels (int16)"
    // Separately allocated parts (each aligned on its own); empty means one part of `bytes`.
    std::vector<int64_t> parts;
};

// Whether a DEPTHWISE_CONV_2D can run in place (output written over its input): int8 with
// depth multiplier 1, so every output channel overwrites only its own input channel.
bool depthwiseCanRunInPlace(const Graph& g, const Op& op);

// The padding the op applies on each border (SAME padding resolved, plus explicit padding).
ExplicitPad effectivePadding(const Graph& g, const Op& op);

KernelScratch kernelScratch(const Graph& g, const Op& op, bool inPlace);

} // namespace ts
