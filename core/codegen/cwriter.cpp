#include "codegen/cwriter.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>

namespace ts {

namespace {

// C11 and C++17 keywords, and names the C library or our generated code reserve.
const std::set<std::string>& reservedWords()
{
    static const std::set<std::string> words = {
        "auto", "break", "case", "char", "const", "continue", "default", "do", "double", "else", "enum", "extern",
        "float", "for", "goto", "if", "inline", "int", "long", "register", "restrict", "return", "short", "signed",
        "sizeof", "static", "struct", "switch", "typedef", "union", "unsigned", "void", "volatile", "while",
        "alignas", "alignof", "and", "and_eq", "asm", "bitand", "bitor", "bool", "catch", "char16_t", "char32_t",
        "class", "compl", "constexpr", "const_cast", "decltype", "delete", "dynamic_cast", "explicit", "export",
        "false", "friend", "mutable", "namespace", "new", "noexcept", "not", "not_eq", "nullptr", "operator", "or",
        "or_eq", "private", "protected", "public", "reinterpret_cast", "static_assert", "static_cast", "template",
        "this", "thread_local", "throw", "true", "try", "typeid", "typename", "using", "virtual", "wchar_t", "xor",
        "xor_eq", "main", "errno", "assert", "NULL", "EOF", "stdin", "stdout", "stderr"};
    return words;
}

// FNV-1a of the original name: a short, stable tag that keeps altered names distinct.
std::string hashTag(std::string_view s)
{
    uint32_t h = 2166136261u;
    for (unsigned char c : s) {
        h ^= c;
        h *= 16777619u;
    }
    char buf[9];
    std::snprintf(buf, sizeof buf, "%08x", unsigned(h));
    return std::string(buf, 6);
}

bool isAlnum(unsigned char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); }

} // namespace

std::string cIdentifier(std::string_view name, std::string_view fallback, std::set<std::string>* used, size_t maxLength)
{
    std::string id;
    for (unsigned char c : name) {
        if (isAlnum(c))
            id += char(c);
        else if (!id.empty() && id.back() != '_')
            id += '_'; // runs of anything else become one underscore
    }
    while (!id.empty() && id.back() == '_')
        id.pop_back();
    bool altered = id != name;
    if (id.empty()) {
        id = cIdentifier(fallback.empty() ? std::string_view("t") : fallback, "t", nullptr, maxLength);
        altered = true;
    }
    if (id[0] >= '0' && id[0] <= '9') {
        id = "t_" + id;
        altered = true;
    }
    if (reservedWords().count(id)) {
        id += "_";
        altered = true;
    }
    maxLength = std::max<size_t>(maxLength, 16);
    if (id.size() > maxLength || (altered && !name.empty())) {
        const std::string tag = hashTag(name);
        if (id.size() + 1 + tag.size() > maxLength)
            id.resize(maxLength - 1 - tag.size());
        while (!id.empty() && id.back() == '_')
            id.pop_back();
        id += "_" + tag;
    }
    if (used) {
        std::string unique = id;
        for (int n = 2; used->count(unique); ++n)
            unique = id + "_" + std::to_string(n);
        used->insert(unique);
        id = unique;
    }
    return id;
}

std::string cCommentText(std::string_view text, size_t maxLength)
{
    std::string out;
    for (size_t i = 0; i < text.size() && out.size() < maxLength; ++i) {
        const unsigned char c = static_cast<unsigned char>(text[i]);
        const char next = i + 1 < text.size() ? text[i + 1] : '\0';
        if ((c == '*' && next == '/') || (c == '/' && next == '*')) {
            out += char(c);
            out += ' '; // "*/" and "/*" cannot form
        } else if (c == '\\') {
            out += "\\x5c"; // no line splice, even at the end of a line
        } else if (c < 0x20 || c >= 0x7f) {
            char buf[5];
            std::snprintf(buf, sizeof buf, "\\x%02x", unsigned(c));
            out += buf;
        } else {
            out += char(c);
        }
    }
    if (out.size() >= maxLength && text.size() > 0) {
        out.resize(maxLength);
        if (!out.empty() && out.back() == '*')
            out.pop_back(); // "..." after a '*' could not close the comment, but keep it plain
        out += "...";
    }
    return out;
}

std::string cStringLiteral(std::string_view bytes)
{
    std::string out = "\"";
    for (unsigned char c : bytes) {
        switch (c) {
        case '\\': out += "\\\\"; break;
        case '"': out += "\\\""; break;
        case '?': out += "\\?"; break; // no trigraph can form
        case '\n': out += "\\n"; break;
        case '\t': out += "\\t"; break;
        default:
            if (c < 0x20 || c >= 0x7f) {
                char buf[5];
                std::snprintf(buf, sizeof buf, "\\%03o", unsigned(c)); // always three digits: never greedy
                out += buf;
            } else {
                out += char(c);
            }
        }
    }
    return out + "\"";
}

CWriter& CWriter::line(std::string_view text)
{
    if (!text.empty())
        m_out.append(size_t(m_depth * m_width), ' ');
    m_out.append(text);
    m_out += '\n';
    return *this;
}

CWriter& CWriter::open(std::string_view head)
{
    line(std::string(head) + (head.empty() ? "{" : " {"));
    ++m_depth;
    return *this;
}

CWriter& CWriter::close(std::string_view tail)
{
    m_depth = std::max(0, m_depth - 1);
    return line(tail);
}

CWriter& CWriter::comment(std::string_view text) { return line("/* " + cCommentText(text) + " */"); }

} // namespace ts
