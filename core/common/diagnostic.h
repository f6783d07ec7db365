#pragma once
// Diagnostics and results: core never throws or exits; every stage returns its value together
// with the diagnostics it produced, each naming the file, the place in it and what was expected.

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace ts {

enum class Severity { Info, Warning, Error };

struct Diagnostic {
    Severity severity = Severity::Error;
    std::string file;     // file the problem is in (model, board profile, session), may be empty
    std::string where;    // path inside it, e.g. "subgraphs[0].tensors[12].shape[1]"
    std::string message;  // what is wrong, including expected vs found
    int op = -1;          // operator index in subgraph 0 the diagnostic is about, or -1
    int tensor = -1;      // tensor index in subgraph 0, or -1

    // "file: where: message" (parts that are empty are left out).
    std::string toString() const;
};

const char* severityName(Severity s);

using Diagnostics = std::vector<Diagnostic>;

bool hasErrors(const Diagnostics& diags);
// The first error's text, or an empty string.
std::string firstError(const Diagnostics& diags);

template <typename T>
struct Result {
    std::optional<T> value;
    Diagnostics diagnostics;

    bool ok() const { return value.has_value(); }
    const T& operator*() const { return *value; }
    T& operator*() { return *value; }
    const T* operator->() const { return &*value; }
    T* operator->() { return &*value; }
};

Diagnostic makeError(std::string file, std::string where, std::string message);
Diagnostic makeWarning(std::string file, std::string where, std::string message);

} // namespace ts
