#include "boards/board.h"

#include "common/json.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QStandardPaths>

#include <algorithm>
#include <set>

namespace ts {

uint64_t Board::totalRam() const
{
    uint64_t n = 0;
    for (const auto& r : ram)
        n += r.size;
    return n;
}

uint64_t Board::totalFlash() const
{
    uint64_t n = 0;
    for (const auto& r : flash)
        n += r.size;
    return n;
}

namespace {
const MemoryRegion* largest(const std::vector<MemoryRegion>& v)
{
    const MemoryRegion* best = nullptr;
    for (const auto& r : v)
        if (!best || r.size > best->size)
            best = &r;
    return best;
}
} // namespace

const MemoryRegion* Board::largestRam() const { return largest(ram); }
const MemoryRegion* Board::largestFlash() const { return largest(flash); }

namespace {

const std::set<QString> kKeys = {"format", "id", "name", "vendor", "mcu", "core", "clock_hz", "fpu", "dsp",
                                 "flash", "ram", "probe", "enforces", "source", "notes"};
const QStringList kCores = {"cortex-m4", "cortex-m7", "cortex-m33", "cortex-m55"};
const QStringList kFpus = {"none", "fpv4-sp-d16", "fpv5-sp-d16", "fpv5-d16"};
const QStringList kRamKinds = {"DTCM", "ITCM", "SRAM", "AXI", "BACKUP", "CCM", "SSRAM", "PSRAM"};
const QStringList kFlashKinds = {"internal", "external", "itcm"};
const QStringList kProbes = {"stlink", "qemu"};
const QStringList kQemuMachines = {"mps2-an385", "mps2-an386", "mps2-an500", "mps2-an505", "mps2-an511",
                                   "mps3-an547"};

class Parser {
public:
    explicit Parser(std::string file) : m_file(std::move(file)) {}

    bool error(const std::string& field, const std::string& message)
    {
        m_diags.push_back(makeError(m_file, field, message));
        return false;
    }

    static std::string typeName(const QJsonValue& v) { return jsonTypeName(v); }

    bool string(const QJsonObject& o, const QString& key, const std::string& at, std::string& out, bool required = true,
                const QStringList& allowed = {})
    {
        const QJsonValue v = o.value(key);
        const std::string field = at + key.toStdString();
        if (v.isUndefined() && !required)
            return true;
        if (!v.isString() || v.toString().trimmed().isEmpty())
            return error(field, "expected a non-empty string, found " + typeName(v));
        if (!allowed.isEmpty() && !allowed.contains(v.toString()))
            return error(field, "found \"" + v.toString().toStdString() + "\"; expected one of "
                                    + allowed.join(", ").toStdString());
        out = v.toString().toStdString();
        return true;
    }

    bool integer(const QJsonObject& o, const QString& key, const std::string& at, int64_t& out, int64_t min, int64_t max)
    {
        const QJsonValue v = o.value(key);
        const std::string field = at + key.toStdString();
        const double d = v.toDouble(-1);
        if (!v.isDouble() || d != double(int64_t(d)))
            return error(field, "expected a whole number, found " + typeName(v));
        if (d < double(min) || d > double(max))
            return error(field, "found " + std::to_string(int64_t(d)) + "; expected " + std::to_string(min) + ".."
                                    + std::to_string(max));
        out = int64_t(d);
        return true;
    }

    bool address(const QJsonObject& o, const QString& key, const std::string& at, uint64_t& out)
    {
        const QJsonValue v = o.value(key);
        const std::string field = at + key.toStdString();
        if (v.isString()) {
            static const QRegularExpression hex("^0x[0-9a-fA-F]{1,8}$");
            if (!hex.match(v.toString()).hasMatch())
                return error(field, "found \"" + v.toString().toStdString()
                                        + "\"; expected a 32-bit hex address such as \"0x20000000\"");
            out = v.toString().mid(2).toULongLong(nullptr, 16);
            return true;
        }
        int64_t n = 0;
        if (!integer(o, key, at, n, 0, 0xFFFFFFFFll))
            return false;
        out = uint64_t(n);
        return true;
    }

    bool regions(const QJsonObject& o, const QString& key, const QStringList& kinds, std::vector<MemoryRegion>& out)
    {
        const QJsonValue v = o.value(key);
        const std::string field = key.toStdString();
        if (!v.isArray() || v.toArray().isEmpty())
            return error(field, "expected a non-empty array of regions, found " + typeName(v));
        const QJsonArray a = v.toArray();
        for (qsizetype i = 0; i < a.size(); ++i) {
            const std::string at = field + "[" + std::to_string(i) + "].";
            if (!a[i].isObject())
                return error(field + "[" + std::to_string(i) + "]", "expected an object, found " + typeName(a[i]));
            const QJsonObject r = a[i].toObject();
            MemoryRegion m;
            int64_t size = 0;
            if (!string(r, "name", at, m.name) || !address(r, "base", at, m.base)
                || !integer(r, "size", at, size, 1, int64_t(1) << 32) || !string(r, "kind", at, m.kind, true, kinds))
                return false;
            m.size = uint64_t(size);
            if (m.base + m.size > (uint64_t(1) << 32))
                return error(at + "size", "region '" + m.name + "' runs past the 4 GiB address space");
            for (const auto& other : out)
                if (m.base < other.base + other.size && other.base < m.base + m.size)
                    return error(at + "base", "region '" + m.name + "' overlaps region '" + other.name + "'");
            out.push_back(m);
        }
        return true;
    }

    Result<Board> parse(const QByteArray& json)
    {
        Result<Board> r;
        QJsonParseError pe;
        const QJsonDocument doc = QJsonDocument::fromJson(json, &pe);
        if (pe.error != QJsonParseError::NoError) {
            error("", "not valid JSON at byte " + std::to_string(pe.offset) + ": " + pe.errorString().toStdString());
        } else if (!doc.isObject()) {
            error("", "expected a JSON object at the top level");
        } else {
            Board b;
            if (parseObject(doc.object(), b))
                r.value = std::move(b);
        }
        r.diagnostics = std::move(m_diags);
        return r;
    }

    bool parseObject(const QJsonObject& o, Board& b)
    {
        int64_t format = 0, clock = 0;
        if (!integer(o, "format", "", format, 1, 1))
            return false;
        for (const QString& k : o.keys())
            if (!kKeys.count(k))
                m_diags.push_back(makeWarning(m_file, k.toStdString(), "unknown field ignored (a typo?)"));
        if (!string(o, "id", "", b.id))
            return false;
        static const QRegularExpression idRe("^[a-z0-9][a-z0-9-]*$");
        if (!idRe.match(QString::fromStdString(b.id)).hasMatch())
            return error("id", "found \"" + b.id + "\"; expected lower-case letters, digits and '-'");
        if (!string(o, "name", "", b.name) || !string(o, "vendor", "", b.vendor) || !string(o, "mcu", "", b.mcu)
            || !string(o, "core", "", b.core, true, kCores)
            || !integer(o, "clock_hz", "", clock, 1'000'000, 2'000'000'000)
            || !string(o, "fpu", "", b.fpu, true, kFpus))
            return false;
        b.clockHz = clock;
        if (!o.value("dsp").isBool())
            return error("dsp", "expected true or false, found " + typeName(o.value("dsp")));
        b.dsp = o.value("dsp").toBool();
        if (!regions(o, "flash", kFlashKinds, b.flash) || !regions(o, "ram", kRamKinds, b.ram))
            return false;
        if (!o.value("probe").isObject())
            return error("probe", "expected an object such as {\"type\": \"stlink\"}, found " + typeName(o.value("probe")));
        const QJsonObject p = o.value("probe").toObject();
        if (!string(p, "type", "probe.", b.probe.type, true, kProbes))
            return false;
        if (b.probe.type == "qemu") {
            if (!string(p, "machine", "probe.", b.probe.machine, true, kQemuMachines)
                || !string(p, "cpu", "probe.", b.probe.cpu, true, kCores))
                return false;
            if (b.probe.cpu != b.core)
                return error("probe.cpu", "found \"" + b.probe.cpu + "\"; expected the board's core \"" + b.core + "\"");
            if (!string(o, "enforces", "", b.enforces))
                return error("enforces", "an emulated board must name the real board whose limits it enforces");
        } else if (o.contains("enforces")) {
            return error("enforces", "only emulated (qemu) boards enforce another board's limits");
        }
        if (!string(o, "source", "", b.source) || !string(o, "notes", "", b.notes, false))
            return false;
        return true;
    }

private:
    std::string m_file;
    Diagnostics m_diags;
};

} // namespace

Result<Board> parseBoard(const QByteArray& json, const std::string& file) { return Parser(file).parse(json); }

Result<Board> loadBoardFile(const std::string& path)
{
    QFile f(QString::fromStdString(path));
    if (!f.open(QIODevice::ReadOnly)) {
        Result<Board> r;
        r.diagnostics.push_back(makeError(path, "", "cannot read: " + f.errorString().toStdString()));
        return r;
    }
    auto r = parseBoard(f.read(4 * 1024 * 1024), path);
    if (r.value) {
        r.value->filePath = path;
        const std::string stem = QFileInfo(f).completeBaseName().toStdString();
        if (stem != r.value->id) {
            r.diagnostics.push_back(makeError(path, "id", "found \"" + r.value->id + "\"; expected \"" + stem
                                                              + "\" (the file name without .json)"));
            r.value.reset();
        }
    }
    return r;
}

const Board* BoardSet::find(const std::string& id) const
{
    for (const auto& b : boards)
        if (b.id == id)
            return &b;
    return nullptr;
}

std::string BoardSet::ids() const
{
    std::string s;
    for (const auto& b : boards)
        s += (s.empty() ? "" : ", ") + b.id;
    return s;
}

const Board* BoardSet::limitsOf(const Board& b) const { return b.emulated() ? find(b.enforces) : &b; }

BoardSet loadBoards(const std::vector<std::string>& dirs)
{
    BoardSet set;
    for (size_t d = 0; d < dirs.size(); ++d) {
        QDir dir(QString::fromStdString(dirs[d]));
        if (!dir.exists())
            continue;
        const auto files = dir.entryInfoList({"*.json"}, QDir::Files, QDir::Name);
        for (const QFileInfo& fi : files) {
            auto r = loadBoardFile(fi.absoluteFilePath().toStdString());
            set.diagnostics.insert(set.diagnostics.end(), r.diagnostics.begin(), r.diagnostics.end());
            if (!r.value)
                continue;
            r.value->user = d > 0;
            auto it = std::find_if(set.boards.begin(), set.boards.end(), [&](const Board& b) { return b.id == r.value->id; });
            if (it != set.boards.end())
                *it = std::move(*r.value);
            else
                set.boards.push_back(std::move(*r.value));
        }
    }
    for (const auto& b : set.boards)
        if (b.emulated() && (!set.find(b.enforces) || set.find(b.enforces)->emulated()))
            set.diagnostics.push_back(makeError(b.filePath, "enforces", "found \"" + b.enforces
                                                                            + "\"; expected the id of a real board: "
                                                                            + set.ids()));
    std::stable_sort(set.boards.begin(), set.boards.end(), [](const Board& a, const Board& b) {
        if (a.emulated() != b.emulated())
            return !a.emulated();
        return a.name < b.name;
    });
    return set;
}

std::vector<std::string> defaultBoardDirs()
{
    std::vector<std::string> dirs;
    const QByteArray bundled = qgetenv("TINYSTUDIO_BOARDS_DIR");
    dirs.push_back(bundled.isEmpty() ? std::string(TINYSTUDIO_BOARDS_DIR) : bundled.toStdString());
    const QByteArray user = qgetenv("TINYSTUDIO_USER_BOARDS");
    if (!user.isEmpty())
        dirs.push_back(user.toStdString());
    else
        dirs.push_back((QStandardPaths::writableLocation(QStandardPaths::GenericDataLocation) + "/TinyStudio/boards")
                           .toStdString());
    return dirs;
}

BoardSet loadDefaultBoards() { return loadBoards(defaultBoardDirs()); }

} // namespace ts
