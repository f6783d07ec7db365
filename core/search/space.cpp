#include "search/space.h"

#include "model/net_builder.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>

#include <algorithm>
#include <cmath>
#include <set>

namespace ts {

namespace {

#include "search_spaces.inc" // kBuiltinSpaces: {name, json} (generated from core/search/spaces/*.json)

// Strict reader of one JSON object: every key it is asked for is checked; unknown keys are errors.
class Reader {
public:
    Reader(const QJsonObject& o, std::string file, std::string where, Diagnostics& diags)
        : m_o(o), m_file(std::move(file)), m_where(std::move(where)), m_diags(diags)
    {
    }
    ~Reader() = default;

    std::string path(const QString& key) const
    {
        return m_where.empty() ? key.toStdString() : m_where + "." + key.toStdString();
    }
    void error(const QString& key, const std::string& message) const
    {
        m_diags.push_back(makeError(m_file, path(key), message));
    }
    bool has(const QString& key) { m_known.insert(key); return m_o.contains(key); }

    std::string string(const QString& key, bool required, const std::string& def = {})
    {
        if (!has(key)) {
            if (required)
                error(key, "missing; expected a string");
            return def;
        }
        if (!m_o[key].isString()) {
            error(key, "expected a string");
            return def;
        }
        return m_o[key].toString().toStdString();
    }
    int integer(const QString& key, bool required, int def, int lo, int hi)
    {
        if (!has(key)) {
            if (required)
                error(key, "missing; expected an integer in " + range(lo, hi));
            return def;
        }
        return toInt(m_o[key], path(key), lo, hi, def);
    }
    double number(const QString& key, bool required, double def, double lo, double hi)
    {
        if (!has(key)) {
            if (required)
                error(key, "missing; expected a number");
            return def;
        }
        return toNumber(m_o[key], path(key), lo, hi, def);
    }
    // A list of integers, or one integer (a list of one).
    std::vector<int> integers(const QString& key, bool required, int lo, int hi, std::vector<int> def = {})
    {
        if (!has(key)) {
            if (required)
                error(key, "missing; expected a non-empty list of integers in " + range(lo, hi));
            return def;
        }
        const QJsonValue v = m_o[key];
        if (v.isDouble())
            return {toInt(v, path(key), lo, hi, lo)};
        if (!v.isArray() || v.toArray().isEmpty()) {
            error(key, "expected a non-empty list of integers in " + range(lo, hi));
            return def;
        }
        std::vector<int> out;
        const QJsonArray a = v.toArray();
        for (int i = 0; i < a.size(); ++i)
            out.push_back(toInt(a[i], path(key) + "[" + std::to_string(i) + "]", lo, hi, lo));
        return unique(out, key);
    }
    std::vector<double> numbers(const QString& key, bool required, double lo, double hi, std::vector<double> def = {})
    {
        if (!has(key)) {
            if (required)
                error(key, "missing; expected a non-empty list of numbers");
            return def;
        }
        const QJsonValue v = m_o[key];
        if (v.isDouble())
            return {toNumber(v, path(key), lo, hi, lo)};
        if (!v.isArray() || v.toArray().isEmpty()) {
            error(key, "expected a non-empty list of numbers in [" + fmt(lo) + ", " + fmt(hi) + "]");
            return def;
        }
        std::vector<double> out;
        const QJsonArray a = v.toArray();
        for (int i = 0; i < a.size(); ++i)
            out.push_back(toNumber(a[i], path(key) + "[" + std::to_string(i) + "]", lo, hi, lo));
        return unique(out, key);
    }
    QJsonObject object(const QString& key, bool required)
    {
        if (!has(key)) {
            if (required)
                error(key, "missing; expected an object");
            return {};
        }
        if (!m_o[key].isObject()) {
            error(key, "expected an object");
            return {};
        }
        return m_o[key].toObject();
    }
    QJsonArray array(const QString& key, bool required)
    {
        if (!has(key)) {
            if (required)
                error(key, "missing; expected a non-empty list");
            return {};
        }
        if (!m_o[key].isArray() || m_o[key].toArray().isEmpty()) {
            error(key, "expected a non-empty list");
            return {};
        }
        return m_o[key].toArray();
    }
    void finish() const
    {
        for (auto it = m_o.begin(); it != m_o.end(); ++it)
            if (!m_known.count(it.key()))
                error(it.key(), "unknown key");
    }

private:
    static std::string fmt(double v)
    {
        char buf[32];
        std::snprintf(buf, sizeof buf, "%g", v);
        return buf;
    }
    static std::string range(int lo, int hi) { return "[" + std::to_string(lo) + ", " + std::to_string(hi) + "]"; }
    int toInt(const QJsonValue& v, const std::string& where, int lo, int hi, int def)
    {
        const double d = v.toDouble(std::nan(""));
        if (!v.isDouble() || d != std::floor(d) || d < lo || d > hi) {
            m_diags.push_back(makeError(m_file, where, "expected an integer in " + range(lo, hi)));
            return def;
        }
        return int(d);
    }
    double toNumber(const QJsonValue& v, const std::string& where, double lo, double hi, double def)
    {
        const double d = v.toDouble(std::nan(""));
        if (!v.isDouble() || !(d >= lo && d <= hi)) {
            m_diags.push_back(makeError(m_file, where, "expected a number in [" + fmt(lo) + ", " + fmt(hi) + "]"));
            return def;
        }
        return d;
    }
    template <typename T>
    std::vector<T> unique(std::vector<T> v, const QString& key)
    {
        std::vector<T> sorted = v;
        std::sort(sorted.begin(), sorted.end());
        if (std::adjacent_find(sorted.begin(), sorted.end()) != sorted.end())
            error(key, "lists a value twice");
        return v;
    }

    QJsonObject m_o;
    std::string m_file, m_where;
    Diagnostics& m_diags;
    std::set<QString> m_known;
};

std::string numberText(double v)
{
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", v);
    return buf;
}

template <typename T>
T pick(const std::vector<T>& v, SearchRng& rng)
{
    return v[size_t(rng() % v.size())];
}

} // namespace

const char* blockFamilyName(BlockFamily f)
{
    return f == BlockFamily::InvertedResidual ? "inverted-residual" : "basic-block";
}

int SearchSpace::scaled(int channels, double w) const
{
    const double v = channels * w;
    int c = std::max(divisor, int(v + divisor / 2.0) / divisor * divisor);
    if (c < 0.9 * v)
        c += divisor;
    return c;
}

double SearchSpace::log10Size() const
{
    double s = std::log10(double(resolutions.size())) + std::log10(double(widths.size()));
    for (const StageSpace& st : stages) {
        const double perBlock = double(st.kernels.size() * st.expands.size());
        double sum = 0;
        for (int d : st.depths)
            sum += std::pow(perBlock, d);
        s += std::log10(sum * double(st.strides.size()));
    }
    return s;
}

std::vector<std::string> builtinSearchSpaces()
{
    std::vector<std::string> names;
    for (const auto& b : kBuiltinSpaces)
        if (b.name)
            names.push_back(b.name);
    return names;
}

Result<SearchSpace> loadSearchSpace(const std::string& nameOrPath)
{
    for (const auto& b : kBuiltinSpaces)
        if (b.name && nameOrPath == b.name)
            return parseSearchSpace(QByteArray(b.json), std::string("built-in space '") + b.name + "'");
    QFile f(QString::fromStdString(nameOrPath));
    if (!f.open(QIODevice::ReadOnly)) {
        Result<SearchSpace> r;
        std::string names;
        for (const auto& n : builtinSearchSpaces())
            names += (names.empty() ? "" : ", ") + n;
        r.diagnostics.push_back(makeError(nameOrPath, "", "cannot read the search space (" + f.errorString().toStdString() +
                                                              "); expected a JSON file or a built-in space: " + names));
        return r;
    }
    return parseSearchSpace(f.readAll(), nameOrPath);
}

Result<SearchSpace> parseSearchSpace(const QByteArray& json, const std::string& source)
{
    Result<SearchSpace> r;
    QJsonParseError pe{};
    const QJsonDocument doc = QJsonDocument::fromJson(json, &pe);
    if (pe.error != QJsonParseError::NoError || !doc.isObject()) {
        r.diagnostics.push_back(makeError(source, "", pe.error != QJsonParseError::NoError
                                                          ? "not valid JSON at offset " + std::to_string(pe.offset) +
                                                                ": " + pe.errorString().toStdString()
                                                          : "expected a JSON object"));
        return r;
    }
    Diagnostics& d = r.diagnostics;
    SearchSpace s;
    s.source = source;
    Reader top(doc.object(), source, "", d);
    const int format = top.integer("format", true, 1, 1, 1);
    (void)format;
    s.name = top.string("name", true);
    s.description = top.string("description", false);
    const std::string family = top.string("family", true);
    if (family == "inverted-residual")
        s.family = BlockFamily::InvertedResidual;
    else if (family == "basic-block")
        s.family = BlockFamily::BasicBlock;
    else if (!family.empty())
        top.error("family", "'" + family + "' is not a family; expected 'inverted-residual' or 'basic-block'");
    s.inputChannels = top.integer("input_channels", false, 3, 1, 16);
    s.classes = top.integer("classes", false, 10, 2, 10000);
    s.resolutions = top.integers("resolutions", true, 16, 512);
    s.widths = top.numbers("widths", true, 0.05, 4.0);
    s.divisor = top.integer("channel_divisor", false, 8, 1, 64);
    {
        Reader stem(top.object("stem", true), source, "stem", d);
        s.stemChannels = stem.integer("channels", true, 16, 1, 4096);
        s.stemKernel = stem.integer("kernel", false, 3, 1, 11);
        s.stemStride = stem.integer("stride", false, 2, 1, 4);
        stem.finish();
    }
    if (top.has("first_block")) {
        if (s.family != BlockFamily::InvertedResidual)
            top.error("first_block", "only the inverted-residual family has a fixed first block");
        Reader fb(top.object("first_block", true), source, "first_block", d);
        s.firstChannels = fb.integer("channels", true, 16, 1, 4096);
        s.firstKernel = fb.integer("kernel", false, 3, 1, 11);
        s.firstExpand = fb.number("expand", false, 1, 1, 1);
        fb.finish();
    }
    const QJsonArray stages = top.array("stages", true);
    for (int i = 0; i < stages.size(); ++i) {
        const std::string where = "stages[" + std::to_string(i) + "]";
        if (!stages[i].isObject()) {
            d.push_back(makeError(source, where, "expected an object"));
            continue;
        }
        Reader st(stages[i].toObject(), source, where, d);
        StageSpace ss;
        ss.channels = st.integer("channels", true, 8, 1, 4096);
        ss.strides = st.integers("stride", true, 1, 2);
        ss.depths = st.integers("depth", true, 1, 8);
        ss.kernels = st.integers("kernel", true, 1, 11);
        for (int k : ss.kernels)
            if (k % 2 == 0)
                st.error("kernel", "kernel sizes must be odd (SAME padding keeps the map centred); found " + std::to_string(k));
        ss.expands = s.family == BlockFamily::InvertedResidual ? st.numbers("expand", true, 1, 8)
                                                               : st.numbers("expand", false, 0.25, 4, {1.0});
        if (s.family == BlockFamily::InvertedResidual)
            for (double e : ss.expands)
                if (e != std::floor(e))
                    st.error("expand", "inverted-residual expansion ratios are whole numbers; found " + numberText(e));
        st.finish();
        s.stages.push_back(std::move(ss));
    }
    top.finish();
    if (!hasErrors(d))
        r.value = std::move(s);
    return r;
}

QJsonObject searchSpaceToJson(const SearchSpace& s)
{
    auto ints = [](const std::vector<int>& v) {
        QJsonArray a;
        for (int x : v)
            a.append(x);
        return a;
    };
    auto nums = [](const std::vector<double>& v) {
        QJsonArray a;
        for (double x : v)
            a.append(x);
        return a;
    };
    QJsonObject o{{"format", 1},
                  {"name", QString::fromStdString(s.name)},
                  {"family", blockFamilyName(s.family)},
                  {"description", QString::fromStdString(s.description)},
                  {"input_channels", s.inputChannels},
                  {"classes", s.classes},
                  {"resolutions", ints(s.resolutions)},
                  {"widths", nums(s.widths)},
                  {"channel_divisor", s.divisor},
                  {"stem", QJsonObject{{"channels", s.stemChannels}, {"kernel", s.stemKernel}, {"stride", s.stemStride}}}};
    if (s.firstChannels > 0)
        o["first_block"] = QJsonObject{{"channels", s.firstChannels}, {"kernel", s.firstKernel}, {"expand", s.firstExpand}};
    QJsonArray stages;
    for (const StageSpace& st : s.stages)
        stages.append(QJsonObject{{"channels", st.channels},
                                  {"stride", ints(st.strides)},
                                  {"depth", ints(st.depths)},
                                  {"kernel", ints(st.kernels)},
                                  {"expand", nums(st.expands)}});
    o["stages"] = stages;
    return o;
}

std::string Architecture::key() const
{
    std::string k = space + "@" + std::to_string(resolution) + "x" + numberText(width);
    for (const StageChoice& st : stages) {
        k += "|s" + std::to_string(st.stride) + ":";
        for (const BlockChoice& b : st.blocks)
            k += "k" + std::to_string(b.kernel) + "e" + numberText(b.expand);
    }
    return k;
}

QJsonObject architectureToJson(const Architecture& a)
{
    QJsonArray stages;
    for (const StageChoice& st : a.stages) {
        QJsonArray blocks;
        for (const BlockChoice& b : st.blocks)
            blocks.append(QJsonObject{{"kernel", b.kernel}, {"expand", b.expand}});
        stages.append(QJsonObject{{"stride", st.stride}, {"blocks", blocks}});
    }
    return QJsonObject{{"space", QString::fromStdString(a.space)},
                       {"family", blockFamilyName(a.family)},
                       {"resolution", a.resolution},
                       {"width", a.width},
                       {"stages", stages}};
}

Result<Architecture> architectureFromJson(const QJsonObject& o, const SearchSpace& space, const std::string& source)
{
    Result<Architecture> r;
    Diagnostics& d = r.diagnostics;
    Reader top(o, source, "", d);
    Architecture a;
    a.space = top.string("space", true);
    if (!a.space.empty() && a.space != space.name)
        top.error("space", "the architecture is of space '" + a.space + "'; expected '" + space.name + "'");
    const std::string family = top.string("family", false, blockFamilyName(space.family));
    if (family != blockFamilyName(space.family))
        top.error("family", "expected '" + std::string(blockFamilyName(space.family)) + "'");
    a.family = space.family;
    a.resolution = top.integer("resolution", true, 0, 16, 512);
    if (std::find(space.resolutions.begin(), space.resolutions.end(), a.resolution) == space.resolutions.end())
        top.error("resolution", std::to_string(a.resolution) + " is not one of the space's resolutions");
    a.width = top.number("width", true, 1, 0.05, 4.0);
    if (std::find(space.widths.begin(), space.widths.end(), a.width) == space.widths.end())
        top.error("width", numberText(a.width) + " is not one of the space's widths");
    const QJsonArray stages = top.array("stages", true);
    if (!stages.isEmpty() && size_t(stages.size()) != space.stages.size())
        top.error("stages", "has " + std::to_string(stages.size()) + " stages; the space has " +
                                std::to_string(space.stages.size()));
    for (int i = 0; i < stages.size() && size_t(i) < space.stages.size(); ++i) {
        const StageSpace& ss = space.stages[size_t(i)];
        const std::string where = "stages[" + std::to_string(i) + "]";
        Reader st(stages[i].toObject(), source, where, d);
        StageChoice sc;
        sc.stride = st.integer("stride", true, 1, 1, 4);
        if (std::find(ss.strides.begin(), ss.strides.end(), sc.stride) == ss.strides.end())
            st.error("stride", "not one of the stage's strides");
        const QJsonArray blocks = st.array("blocks", true);
        if (std::find(ss.depths.begin(), ss.depths.end(), int(blocks.size())) == ss.depths.end())
            st.error("blocks", "depth " + std::to_string(blocks.size()) + " is not one of the stage's depths");
        for (int j = 0; j < blocks.size(); ++j) {
            Reader b(blocks[j].toObject(), source, where + ".blocks[" + std::to_string(j) + "]", d);
            BlockChoice bc;
            bc.kernel = b.integer("kernel", true, 3, 1, 11);
            bc.expand = b.number("expand", true, 1, 0.25, 8);
            if (std::find(ss.kernels.begin(), ss.kernels.end(), bc.kernel) == ss.kernels.end())
                b.error("kernel", "not one of the stage's kernel sizes");
            if (std::find(ss.expands.begin(), ss.expands.end(), bc.expand) == ss.expands.end())
                b.error("expand", "not one of the stage's expansion ratios");
            b.finish();
            sc.blocks.push_back(bc);
        }
        st.finish();
        a.stages.push_back(std::move(sc));
    }
    top.finish();
    if (!hasErrors(d))
        r.value = std::move(a);
    return r;
}

Architecture sampleArchitecture(const SearchSpace& s, int resolution, double width, SearchRng& rng)
{
    Architecture a;
    a.space = s.name;
    a.family = s.family;
    a.resolution = resolution;
    a.width = width;
    for (const StageSpace& ss : s.stages) {
        StageChoice sc;
        sc.stride = pick(ss.strides, rng);
        const int depth = pick(ss.depths, rng);
        for (int j = 0; j < depth; ++j)
            sc.blocks.push_back({pick(ss.kernels, rng), pick(ss.expands, rng)});
        a.stages.push_back(std::move(sc));
    }
    return a;
}

Architecture mutateArchitecture(const SearchSpace& s, const Architecture& a, double p, SearchRng& rng)
{
    std::uniform_real_distribution<double> u(0.0, 1.0);
    Architecture m = a;
    for (size_t i = 0; i < m.stages.size() && i < s.stages.size(); ++i) {
        const StageSpace& ss = s.stages[i];
        StageChoice& sc = m.stages[i];
        if (u(rng) < p)
            sc.stride = pick(ss.strides, rng);
        if (u(rng) < p) {
            const size_t depth = size_t(pick(ss.depths, rng));
            while (sc.blocks.size() > depth)
                sc.blocks.pop_back();
            while (sc.blocks.size() < depth)
                sc.blocks.push_back({pick(ss.kernels, rng), pick(ss.expands, rng)});
        }
        for (BlockChoice& b : sc.blocks) {
            if (u(rng) < p)
                b.kernel = pick(ss.kernels, rng);
            if (u(rng) < p)
                b.expand = pick(ss.expands, rng);
        }
    }
    return m;
}

Architecture crossoverArchitectures(const Architecture& a, const Architecture& b, SearchRng& rng)
{
    Architecture c = a;
    for (size_t i = 0; i < c.stages.size() && i < b.stages.size(); ++i)
        if (rng() & 1)
            c.stages[i] = b.stages[i];
    return c;
}

Model buildCandidateModel(const SearchSpace& s, const Architecture& a, bool randomWeights, uint32_t seed)
{
    NetBuilder b(seed, randomWeights);
    b.g().name = s.name + "_candidate";
    const int input = b.activation("input", {1, a.resolution, a.resolution, s.inputChannels}, kInputQ);
    const bool ir = s.family == BlockFamily::InvertedResidual;
    int x = b.conv("stem", input, s.scaled(s.stemChannels, a.width), s.stemKernel, s.stemStride,
                   ir ? Activation::Relu6 : Activation::Relu, ir ? kRelu6Q : kReluQ);
    if (ir && s.firstChannels > 0)
        x = b.invertedResidual("first", x, int(s.firstExpand), s.firstKernel, 1, s.scaled(s.firstChannels, a.width),
                               false);
    for (size_t i = 0; i < a.stages.size() && i < s.stages.size(); ++i) {
        const StageChoice& sc = a.stages[i];
        const int outC = s.scaled(s.stages[i].channels, a.width);
        for (size_t j = 0; j < sc.blocks.size(); ++j) {
            const BlockChoice& bc = sc.blocks[j];
            const int stride = j == 0 ? sc.stride : 1;
            const std::string name = "stage" + std::to_string(i + 1) + "/block" + std::to_string(j + 1);
            if (ir) {
                const bool residual = stride == 1 && b.t(x).shape[3] == outC;
                x = b.invertedResidual(name, x, int(bc.expand), bc.kernel, stride, outC, residual);
            } else {
                const int midC = s.scaled(int(std::lround(s.stages[i].channels * bc.expand)), a.width);
                x = b.basicBlock(name, x, midC, outC, bc.kernel, stride);
            }
        }
    }
    b.classifierHead(input, x, s.classes);
    Model m = b.finish();
    const QByteArray arch = QJsonDocument(architectureToJson(a)).toJson(QJsonDocument::Compact);
    m.description = "TinyStudio search candidate " + a.key() + (randomWeights ? " (untrained: pseudo-random weights)" : " (analysis only: zero weights)");
    auto archBytes = std::make_shared<const std::vector<uint8_t>>(arch.begin(), arch.end());
    auto flag = std::make_shared<const std::vector<uint8_t>>(std::vector<uint8_t>{'1'});
    m.metadata.push_back({"tinystudio_architecture", ByteView{archBytes->data(), archBytes->size()}});
    m.metadata.push_back({"tinystudio_untrained", ByteView{flag->data(), flag->size()}});
    m.storage.push_back(archBytes);
    m.storage.push_back(flag);
    return m;
}

} // namespace ts
