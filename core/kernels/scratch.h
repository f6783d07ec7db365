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

// Whether a CONV_2D can write its output over its input: int8, 1×1 filter, stride 1, no padding, one
// group, and no more output than input channels. Pixels run in order; each pixel's outputs go to a
// one-pixel temporary and are stored at p·Cout < (p+1)·Cin, below every input not yet read.
bool pointwiseConvCanRunInPlace(const Graph& g, const Op& op);

// Whether an element-wise op (ADD/SUB/MUL) can write its output over input `operand`: same shape and
// type, so element i of the output depends only on element i of each input.
bool elementwiseCanRunInPlace(const Graph& g, const Op& op, int operand);

KernelScratch kernelScratch(const Graph& g, const Op& op, bool inPlace);

} // namespace ts
