#include "reference/registry.h"

namespace ts::ref {

namespace {
const KernelTable& table()
{
    static const KernelTable t = [] {
        KernelTable k;
        registerConvKernels(k);
        registerShapeKernels(k);
        registerElementwiseKernels(k);
        registerActivationKernels(k);
        registerDenseKernels(k);
        return k;
    }();
    return t;
}
} // namespace

Kernel findKernel(const Graph& g, const Op& op)
{
    const Tensor* x = nullptr;
    for (int i : op.inputs)
        if ((x = g.tensor(i)))
            break;
    if (!x)
        return nullptr;
    return table().find(op.kind, x->dtype);
}

} // namespace ts::ref
