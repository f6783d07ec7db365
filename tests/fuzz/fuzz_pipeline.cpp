// libFuzzer target for the whole pipeline (fuzz_checks.h: checkPipeline): import → operand
// validation → legalize → analysis → patch search → a bounded reference run. Any broken invariant
// aborts with its description; ASan and UBSan catch the rest.

#include "fuzz_checks.h"

#include <cstdio>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    if (const std::string e = fuzz::checkPipeline(data, size); !e.empty()) {
        std::fprintf(stderr, "fuzz_pipeline: %s\n", e.c_str());
        std::abort();
    }
    return 0;
}
