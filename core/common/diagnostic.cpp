#include "common/diagnostic.h"

namespace ts {

const char* severityName(Severity s)
{
    switch (s) {
    case Severity::Info: return "info";
    case Severity::Warning: return "warning";
    case Severity::Error: return "error";
    }
    return "error";
}

std::string Diagnostic::toString() const
{
    std::string out;
    if (!file.empty())
        out += file + ": ";
    if (!where.empty())
        out += where + ": ";
    out += message;
    return out;
}

bool hasErrors(const Diagnostics& diags)
{
    for (const auto& d : diags)
        if (d.severity == Severity::Error)
            return true;
    return false;
}

std::string firstError(const Diagnostics& diags)
{
    for (const auto& d : diags)
        if (d.severity == Severity::Error)
            return d.toString();
    return {};
}

Diagnostic makeError(std::string file, std::string where, std::string message)
{
    Diagnostic d;
    d.severity = Severity::Error;
    d.file = std::move(file);
    d.where = std::move(where);
    d.message = std::move(message);
    return d;
}

Diagnostic makeWarning(std::string file, std::string where, std::string message)
{
    Diagnostic d = makeError(std::move(file), std::move(where), std::move(message));
    d.severity = Severity::Warning;
    return d;
}

} // namespace ts
