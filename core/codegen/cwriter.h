#pragma once
// Text from a model never reaches generated C unescaped. Tensor and op names become C identifiers
// (sanitized, unique, never a keyword or a reserved name), comments cannot be closed or continued
// by a name, and strings are escaped so that a C99 compiler (trigraphs on) reads back the exact
// bytes. Emitters write through CWriter, an indentation-aware writer, so output is deterministic.

#include <set>
#include <string>
#include <string_view>

namespace ts {

// A C identifier for `name`: [A-Za-z0-9_] only, no leading digit, no leading underscore, no "__",
// not a C or C++ keyword, at most `maxLength` characters (a long or altered name keeps a short hash
// of the original so distinct names stay distinct). `fallback` is used when nothing is left.
// With `used`, the result is made unique among it (suffix _2, _3, ...) and added to it.
std::string cIdentifier(std::string_view name, std::string_view fallback = "t", std::set<std::string>* used = nullptr,
                        size_t maxLength = 48);

// Text safe inside a /* ... */ comment on one line: no "*/" or "/*", no newline or other control
// byte, no backslash (a line splice), non-ASCII as \xNN; at most `maxLength` characters, then "...".
std::string cCommentText(std::string_view text, size_t maxLength = 120);

// A C string literal (with its quotes) that a C99 compiler reads back as exactly `bytes`, NUL
// included: \\, \", \? (trigraphs), \n, \t, and every other byte outside printable ASCII as a
// three-digit octal escape.
std::string cStringLiteral(std::string_view bytes);

// Indentation-aware writer: line() writes one line at the current depth, open()/close() wrap a
// brace block.
class CWriter {
public:
    explicit CWriter(int indentWidth = 4) : m_width(indentWidth) {}
    CWriter& line(std::string_view text = {});
    CWriter& open(std::string_view head);          // "head {" and one level deeper
    CWriter& close(std::string_view tail = "}");  // one level back, then "}" (or "};", "} while (0);")
    CWriter& comment(std::string_view text);       // "/* text */", text escaped by cCommentText
    const std::string& text() const { return m_out; }

private:
    std::string m_out;
    int m_depth = 0;
    int m_width;
};

} // namespace ts
