// compareRuns: two runs side by side (schedule differences as JSON paths, layers by index and op).

#include "store/runstore.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QJsonParseError>
#include <QJsonValue>
#include <QSet>
#include <QStringList>

#include <algorithm>
#include <map>
#include <utility>

namespace ts {

namespace {

// A JSON value as compact text ("63", "\"greedy\"", "{\"a\":1}"); "(absent)" for a missing one.
std::string jsonText(const QJsonValue& v)
{
    if (v.isUndefined())
        return "(absent)";
    const QByteArray wrapped = QJsonDocument(QJsonArray{v}).toJson(QJsonDocument::Compact);
    return wrapped.mid(1, wrapped.size() - 2).toStdString();
}

std::string joinKey(const std::string& path, const QString& key)
{
    return path.empty() ? key.toStdString() : path + "." + key.toStdString();
}

// Every leaf where `a` and `b` differ, as "path: A -> B", objects by key (sorted), arrays by index.
void diffJson(const std::string& path, const QJsonValue& a, const QJsonValue& b, std::vector<std::string>* out)
{
    if (a.isObject() && b.isObject()) {
        const QJsonObject oa = a.toObject(), ob = b.toObject();
        QStringList keys = oa.keys();
        for (const QString& k : ob.keys())
            if (!oa.contains(k))
                keys << k;
        std::sort(keys.begin(), keys.end());
        for (const QString& k : keys)
            diffJson(joinKey(path, k), oa.value(k), ob.value(k), out);
        return;
    }
    if (a.isArray() && b.isArray()) {
        const QJsonArray aa = a.toArray(), ab = b.toArray();
        const qsizetype n = std::max(aa.size(), ab.size());
        for (qsizetype i = 0; i < n; ++i)
            diffJson(path + "[" + std::to_string(i) + "]", i < aa.size() ? aa.at(i) : QJsonValue(QJsonValue::Undefined),
                i < ab.size() ? ab.at(i) : QJsonValue(QJsonValue::Undefined), out);
        return;
    }
    if (a == b)
        return;
    out->push_back((path.empty() ? std::string("(document)") : path) + ": " + jsonText(a) + " -> " + jsonText(b));
}

QJsonValue parseDocument(const std::string& text, std::string* error)
{
    QJsonParseError pe;
    const QJsonDocument doc = QJsonDocument::fromJson(QByteArray::fromStdString(text), &pe);
    if (pe.error != QJsonParseError::NoError) {
        *error = pe.errorString().toStdString() + " at offset " + std::to_string(pe.offset);
        return QJsonValue(QJsonValue::Undefined);
    }
    if (doc.isArray())
        return doc.array();
    return doc.object();
}

} // namespace

Result<RunComparison> compareRuns(const RunStore& store, int64_t a, int64_t b)
{
    Result<RunComparison> result;
    Result<RunInfo> ra = store.run(a), rb = store.run(b);
    for (auto* r : {&ra, &rb})
        result.diagnostics.insert(result.diagnostics.end(), r->diagnostics.begin(), r->diagnostics.end());
    if (!ra.ok() || !rb.ok())
        return result;
    Result<std::vector<LayerRow>> la = store.layers(a), lb = store.layers(b);
    for (auto* r : {&la, &lb})
        result.diagnostics.insert(result.diagnostics.end(), r->diagnostics.begin(), r->diagnostics.end());
    if (!la.ok() || !lb.ok())
        return result;

    RunComparison c;
    c.a = std::move(*ra);
    c.b = std::move(*rb);
    if (c.a.documentSha256 != c.b.documentSha256) {
        std::string errorA, errorB;
        const QJsonValue da = parseDocument(c.a.documentJson, &errorA);
        const QJsonValue db = parseDocument(c.b.documentJson, &errorB);
        if (errorA.empty() && errorB.empty()) {
            diffJson({}, da, db, &c.scheduleDifferences);
        } else {
            c.scheduleDifferences.push_back("(document): the schedule documents differ and cannot be compared field by field ("
                + (errorA.empty() ? "" : "run " + std::to_string(a) + " is not JSON: " + errorA)
                + (errorA.empty() || errorB.empty() ? "" : "; ")
                + (errorB.empty() ? "" : "run " + std::to_string(b) + " is not JSON: " + errorB) + ")");
        }
    }

    std::map<std::pair<int, std::string>, LayerComparison> byKey;
    for (const LayerRow& l : *la) {
        LayerComparison& row = byKey[{l.index, l.op}];
        row.index = l.index;
        row.op = l.op;
        row.name = l.name;
        row.a = l.value;
    }
    for (const LayerRow& l : *lb) {
        LayerComparison& row = byKey[{l.index, l.op}];
        row.index = l.index;
        row.op = l.op;
        if (row.name.empty())
            row.name = l.name;
        row.b = l.value;
    }
    for (auto& [key, row] : byKey)
        c.layers.push_back(std::move(row));
    c.medianRatio = c.a.median != 0 ? c.b.median / c.a.median : 0.0;
    result.value = std::move(c);
    return result;
}

} // namespace ts
