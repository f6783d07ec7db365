#pragma once
// The C kernel sources (core/kernels/c/), embedded at build time: file name → bytes.

#include <map>
#include <string>

namespace ts::codegen {
const std::map<std::string, std::string>& embeddedKernelFiles();
}
