#pragma once
// The reference kernels by (op kind, dtype of the first input). Each family of ops registers its
// kernels from its own file.

#include "reference/kernel_api.h"

#include <map>
#include <utility>

namespace ts::ref {

class KernelTable {
public:
    void add(OpKind kind, DType input, Kernel k) { m_table[{static_cast<int32_t>(kind), static_cast<int>(input)}] = k; }
    Kernel find(OpKind kind, DType input) const
    {
        auto it = m_table.find({static_cast<int32_t>(kind), static_cast<int>(input)});
        return it == m_table.end() ? nullptr : it->second;
    }

private:
    std::map<std::pair<int32_t, int>, Kernel> m_table;
};

void registerConvKernels(KernelTable& t);        // ops_conv.cpp: CONV_2D, DEPTHWISE_CONV_2D, pools
void registerShapeKernels(KernelTable& t);       // ops_shape.cpp: RESHAPE, SQUEEZE, PAD, TRANSPOSE, CONCAT, RESIZE_NN
void registerElementwiseKernels(KernelTable& t); // ops_elementwise.cpp: ADD, SUB, MUL, MEAN, RELU, RELU6
void registerActivationKernels(KernelTable& t);  // ops_activation.cpp: SOFTMAX, LOG_SOFTMAX, LOGISTIC
void registerDenseKernels(KernelTable& t);       // ops_dense.cpp: FULLY_CONNECTED, SVDF, QUANTIZE, DEQUANTIZE

} // namespace ts::ref
