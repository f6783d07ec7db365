#include "probe/probe.h"

#include <QFile>

#include <cstring>

namespace ts {

uint64_t FirmwareImage::totalBytes() const
{
    uint64_t n = 0;
    for (const FlashSegment& s : segments)
        n += s.bytes.size();
    return n;
}

namespace {

uint32_t le32(const QByteArray& b, qint64 at)
{
    uint32_t v = 0;
    std::memcpy(&v, b.constData() + at, 4);
    return v; // host and ELF are both little-endian here (checked by the caller through EI_DATA)
}
uint16_t le16(const QByteArray& b, qint64 at)
{
    uint16_t v = 0;
    std::memcpy(&v, b.constData() + at, 2);
    return v;
}

} // namespace

Result<FirmwareImage> loadFirmwareImage(const std::string& elfPath)
{
    Result<FirmwareImage> r;
    auto fail = [&](const std::string& where, const std::string& what) {
        r.diagnostics.push_back(makeError(elfPath, where, what));
        return r;
    };
    QFile f(QString::fromStdString(elfPath));
    if (!f.open(QIODevice::ReadOnly))
        return fail("", "cannot read the firmware: " + f.errorString().toStdString());
    const QByteArray b = f.readAll();
    if (b.size() < 52 || !b.startsWith("\x7f" "ELF"))
        return fail("header", "not an ELF file (expected the 0x7f 'ELF' magic)");
    if (b[4] != 1 || b[5] != 1)
        return fail("header", "expected a 32-bit little-endian ELF (an ARM Cortex-M firmware)");
    if (le16(b, 18) != 40)
        return fail("e_machine", "expected EM_ARM (40), found " + std::to_string(le16(b, 18)));
    FirmwareImage img;
    img.elfPath = elfPath;
    img.entry = le32(b, 24);
    const uint32_t phoff = le32(b, 28);
    const uint16_t phentsize = le16(b, 42), phnum = le16(b, 44);
    if (phentsize < 32 || uint64_t(phoff) + uint64_t(phnum) * phentsize > uint64_t(b.size()))
        return fail("program headers", "outside the file (truncated ELF?)");
    for (int i = 0; i < phnum; ++i) {
        const qint64 h = qint64(phoff) + qint64(i) * phentsize;
        if (le32(b, h) != 1 /* PT_LOAD */)
            continue;
        const uint32_t offset = le32(b, h + 4), paddr = le32(b, h + 12), filesz = le32(b, h + 16);
        if (filesz == 0)
            continue;
        if (uint64_t(offset) + filesz > uint64_t(b.size()))
            return fail("program header " + std::to_string(i), "segment outside the file (truncated ELF?)");
        FlashSegment s;
        s.address = paddr; // the load address: where .data's initial values sit in flash
        s.bytes.assign(b.constData() + offset, b.constData() + offset + filesz);
        img.segments.push_back(std::move(s));
    }
    if (img.segments.empty())
        return fail("program headers", "no loadable segment");
    r.value = std::move(img);
    return r;
}

} // namespace ts

namespace ts {

Result<ElfSymbol> findElfSymbol(const std::string& elfPath, const std::string& name)
{
    Result<ElfSymbol> r;
    QFile f(QString::fromStdString(elfPath));
    if (!f.open(QIODevice::ReadOnly)) {
        r.diagnostics.push_back(makeError(elfPath, "", "cannot read the firmware: " + f.errorString().toStdString()));
        return r;
    }
    const QByteArray b = f.readAll();
    if (b.size() < 52 || !b.startsWith("\x7f" "ELF") || b[4] != 1 || b[5] != 1) {
        r.diagnostics.push_back(makeError(elfPath, "header", "expected a 32-bit little-endian ELF"));
        return r;
    }
    const uint32_t shoff = le32(b, 32);
    const uint16_t shentsize = le16(b, 46), shnum = le16(b, 48);
    if (shentsize < 40 || uint64_t(shoff) + uint64_t(shnum) * shentsize > uint64_t(b.size())) {
        r.diagnostics.push_back(makeError(elfPath, "section headers", "outside the file (truncated ELF?)"));
        return r;
    }
    auto inFile = [&](uint64_t off, uint64_t n) { return off + n <= uint64_t(b.size()); };
    for (int i = 0; i < shnum; ++i) {
        const qint64 h = qint64(shoff) + qint64(i) * shentsize;
        if (le32(b, h + 4) != 2 /* SHT_SYMTAB */)
            continue;
        const uint32_t off = le32(b, h + 16), size = le32(b, h + 20), link = le32(b, h + 24), entsize = le32(b, h + 36);
        if (link >= shnum || entsize < 16 || !inFile(off, size))
            break;
        const qint64 sh = qint64(shoff) + qint64(link) * shentsize;
        const uint32_t stroff = le32(b, sh + 16), strsize = le32(b, sh + 20);
        if (!inFile(stroff, strsize))
            break;
        for (uint32_t s = 0; s + entsize <= size; s += entsize) {
            const qint64 e = qint64(off) + s;
            const uint32_t nameOff = le32(b, e);
            if (nameOff >= strsize)
                continue;
            const char* str = b.constData() + stroff + nameOff;
            const size_t maxLen = strsize - nameOff;
            if (strnlen(str, maxLen) == name.size() && std::memcmp(str, name.data(), name.size()) == 0) {
                r.value = ElfSymbol{le32(b, e + 4), le32(b, e + 8)};
                return r;
            }
        }
    }
    r.diagnostics.push_back(makeError(elfPath, "symtab", "no symbol '" + name + "' (was the firmware built for live profiling?)"));
    return r;
}

} // namespace ts
