// libFuzzer target: the importer must return a model or one clear error for any bytes (a model's
// errors only for ops that break their operand contracts), and an imported model must survive
// export and re-import (fuzz_checks.h: checkImport).

#include "fuzz_checks.h"

#include <cstdio>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    if (const std::string e = fuzz::checkImport(data, size); !e.empty()) {
        std::fprintf(stderr, "fuzz_import: %s\n", e.c_str());
        std::abort();
    }
    return 0;
}
