// Reference kernels: see registry.h for the ops of this family.

#include "reference/fixedpoint.h"
#include "reference/registry.h"

namespace ts::ref {

void registerElementwiseKernels(KernelTable&) {}

} // namespace ts::ref
