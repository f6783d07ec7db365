#include "profile/record.h"

#include "boards/board.h"
#include "build/firmware.h"
#include "model/tflite_export.h"
#include "session/session.h"

#include <QCryptographicHash>
#include <QFile>
#include <QFileInfo>
#include <QProcess>

namespace ts {

namespace {

std::string toolchainVersion()
{
    static const std::string v = [] {
        QProcess p;
        p.start("arm-none-eabi-gcc", {"-dumpversion"});
        if (!p.waitForFinished(10000))
            return std::string("arm-none-eabi-gcc");
        return "arm-none-eabi-gcc " + QString::fromLocal8Bit(p.readAll()).trimmed().toStdString();
    }();
    return v;
}

std::string fileSha256(const std::string& path)
{
    QFile f(QString::fromStdString(path));
    if (!f.open(QIODevice::ReadOnly))
        return {};
    QCryptographicHash h(QCryptographicHash::Sha256);
    h.addData(&f);
    return h.result().toHex().toStdString();
}

} // namespace

std::string storeModelSha256(const Model& model)
{
    if (!model.sha256.empty())
        return model.sha256;
    auto bytes = exportTflite(model);
    if (!bytes.ok())
        return {};
    return QCryptographicHash::hash(QByteArrayView(reinterpret_cast<const char*>(bytes->data()), qsizetype(bytes->size())),
                                    QCryptographicHash::Sha256)
        .toHex()
        .toStdString();
}

StoreBuild storeBuildOf(const DeployResult& d, const Board& board, const DeployOptions& o)
{
    StoreBuild b;
    const SizeReport& s = d.build.size;
    b.toolchain = toolchainVersion();
    FirmwareOptions fo;
    fo.optimize = o.optimize;
    fo.portable = o.portable;
    b.flags = firmwareFlags(board, fo);
    b.optimize = o.optimize;
    b.portable = o.portable;
    b.text = s.text;
    b.data = s.data;
    b.bss = s.bss;
    b.flashRuntime = s.runtime;
    b.flashWeights = s.weights;
    b.flashLibc = s.libc;
    b.flashTotal = s.flash;
    b.ramArena = s.arena;
    b.ramScratch = d.largestScratch;
    b.ramStack = s.stack;
    b.ramHeap = s.heap;
    b.ramOther = s.otherRam;
    b.ramTotal = s.arena + s.stack + s.heap + s.otherRam;
    b.elfSha256 = fileSha256(d.build.elf);
    return b;
}

RunRecorder::RunRecorder(RunStore* store, const Model& model, const Session& doc, const Board& board, const std::string& probe)
    : m_store(store), m_probe(probe), m_clockHz(board.clockHz)
{
    m_model.sha256 = storeModelSha256(model);
    m_model.name = model.path.empty() ? std::string("model built in memory") : QFileInfo(QString::fromStdString(model.path)).fileName().toStdString();
    m_model.bytes = model.path.empty() ? 0 : QFileInfo(QString::fromStdString(model.path)).size();
    m_board.id = board.id;
    m_board.name = board.name;
    if (!board.filePath.empty()) {
        QFile f(QString::fromStdString(board.filePath));
        if (f.open(QIODevice::ReadOnly))
            m_board.json = f.readAll().toStdString();
    }
    m_document = sessionToJson(doc, QString()).toStdString();
}

Diagnostics RunRecorder::onEvent(const LiveEvent& e)
{
    if (!m_store)
        return {};
    if (e.kind == LiveEvent::Kind::Phase && e.text == "flashing" && e.built && e.board && m_run == 0) {
        RunStart s;
        s.model = m_model;
        s.board = m_board;
        s.documentJson = m_document;
        s.build = storeBuildOf(*e.built, *e.board, e.options ? *e.options : DeployOptions{});
        s.probe = m_probe;
        s.serial = e.serial;
        s.unit = e.unit;
        s.clockHz = m_clockHz;
        m_unit = e.unit;
        auto id = m_store->beginRun(s);
        if (!id.ok())
            return id.diagnostics;
        m_run = *id;
        return {};
    }
    if (m_run == 0)
        return {};
    if (e.kind == LiveEvent::Kind::Samples) {
        std::vector<SampleRow> rows;
        for (const LiveSample& x : e.samples)
            rows.push_back({x.inference, x.value, x.hostSeconds});
        return m_store->addSamples(m_run, rows);
    }
    if (e.kind == LiveEvent::Kind::Layers) {
        std::vector<LayerRow> rows;
        for (const LiveLayer& l : e.layers)
            rows.push_back({l.index, l.op, l.name, l.value, l.macs});
        return m_store->setLayers(m_run, rows);
    }
    if (e.kind == LiveEvent::Kind::Stack)
        return m_store->setStackPeak(m_run, e.stackPeak);
    return {};
}

Diagnostics RunRecorder::finish(const Result<LiveResult>& r)
{
    if (!m_store || m_run == 0 || m_finished)
        return {};
    m_finished = true;
    if (!r.ok())
        return m_store->finishRun(m_run, "failed", firstError(r.diagnostics), -1);
    if (r->cancelled)
        return m_store->finishRun(m_run, "cancelled", "stopped by the user", r->outputMatches);
    return m_store->finishRun(m_run, r->outputMatches == 0 ? "failed" : "ok", r->outputCheck, r->outputMatches);
}

} // namespace ts
