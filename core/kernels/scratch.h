#pragma once
// Scratch memory declared by the kernels that will execute each op. The memory analysis plans
// these bytes, and the code generator allocates exactly the same amounts, so both read this file.

#include "kernels/contracts.h"
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

// The padding the op applies on each border (SAME padding resolved, plus explicit padding).
ExplicitPad effectivePadding(const Graph& g, const Op& op);

// The scratch of the kernel that runs `op`: the in-place variant of `inPlace` (see kernels/contracts.h)
// or, for InplaceKind::None, the out-of-place one.
KernelScratch kernelScratch(const Graph& g, const Op& op, InplaceKind inPlace);

} // namespace ts
