// libFuzzer target: the importer must return a model or one clear error for any bytes, and an
// imported model must survive export and re-import.

#include "model/tflite_export.h"
#include "model/tflite_import.h"

#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    auto bytes = std::make_shared<const std::vector<uint8_t>>(data, data + size);
    auto r = ts::importTfliteBytes(bytes, "fuzz.tflite");
    int errors = 0;
    for (const auto& d : r.diagnostics)
        errors += d.severity == ts::Severity::Error;
    if (r.ok() == (errors > 0))
        std::abort(); // a value comes with no error; a failure with exactly one
    if (!r.ok() && errors != 1)
        std::abort();
    if (r.ok()) {
        auto out = ts::exportTflite(*r);
        if (!out.ok())
            std::abort();
        auto again = ts::importTfliteBytes(std::make_shared<const std::vector<uint8_t>>(*out), "fuzz-export.tflite");
        if (!again.ok() || !ts::sameGraph(*r, *again))
            std::abort();
    }
    return 0;
}
