// Generated C projects, proved byte-exact: for every shared golden model that has no unsupported op,
// generate → build on the host with -Wall -Wextra -Werror -pedantic and ASan + UBSan, in the debug
// configuration (canary bytes in every unused gap of the arena, checked after each op) → run each
// golden input → output bytes identical to TFLM's. Whole graphs with in-place on and off, every
// Pareto patch schedule of person_detect, vww and the demo model. The seed-1 run also dumps every
// complete tensor, compared with TFLM's per-tensor dump so a failure names the first op that differs.
// The reference interpreter (never the generated kernels) is the oracle where no golden exists.

#include "codegen/generator.h"
#include "genbuild.h"
#include "model/demo_model.h"
#include "model/tflite_import.h"
#include "reference/golden.h"
#include "reference/interpreter.h"
#include "synthmodels.h"
#include "testsupport.h"

#include <QtConcurrent>
#include <QtTest>

#include <map>

using namespace ts;

namespace {

const char* kBoard = "nucleo-h743zi2";

struct Case {
    QString key;      // row name
    QString model;    // shared model base name, or "" for the demo / synthetic
    QString variant;
    std::shared_ptr<Model> m;
    PipelineSnapshot r;
    GeneratedProject project;
    QString error;    // generation failed
    tstest::HostBuild build;
    std::vector<QByteArray> inputs, expected; // per seed
    bool compareTensors = false;
};

QByteArray fileBytes(const QString& path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

std::shared_ptr<Model> loadShared(const QString& name)
{
    auto imported = importTfliteFile(tstest::modelPath(name).toStdString());
    if (!imported.ok())
        return nullptr;
    return std::make_shared<Model>(std::move(*imported));
}

// The reference interpreter's outputs (whole graph, stored order) for the seeded input.
QByteArray referenceOutputs(const Model& m, const QByteArray& input)
{
    auto interp = ReferenceInterpreter::create(m.main());
    if (!interp.ok())
        return {};
    if (!interp->setInputsFromConcatenated(std::vector<uint8_t>(input.begin(), input.end())).empty())
        return {};
    if (!interp->run().empty())
        return {};
    QByteArray out;
    for (int t : m.main().outputs) {
        const auto& b = interp->tensorBytes(t);
        out.append(reinterpret_cast<const char*>(b.data()), int(b.size()));
    }
    return out;
}

} // namespace

class TestGenerate : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void goldenProjects_data();
    void goldenProjects();
    void unsupportedOpsAreRefused();
    void deterministic();
    void hostileNamesCompileAndRun();
    void outputFolderRules();
    void tamperedPlanIsRefused();
    void canariesCatchAStrayWrite();
    void externalArena();
    void generatedCMakeBuilds();
    void cliGenerateJson();

private:
    Case* makeCase(const QString& model, const QString& variant, std::shared_ptr<Model> m, Session doc,
                   const std::string& name = {});
    std::vector<std::unique_ptr<Case>> m_cases;
    QString m_root, m_cache;
};

Case* TestGenerate::makeCase(const QString& model, const QString& variant, std::shared_ptr<Model> m, Session doc,
                             const std::string& name)
{
    auto c = std::make_unique<Case>();
    c->key = (model.isEmpty() ? QString("demo") : model) + " " + variant;
    c->model = model;
    c->variant = variant;
    c->m = m;
    auto r = runPipeline(*m, doc, tstest::boards());
    if (!r.ok()) {
        c->error = "pipeline: " + QString::fromStdString(firstError(r.diagnostics));
    } else {
        c->r = *r;
        GenerateOptions go;
        go.name = name;
        auto p = generateProject(*m, **r, go);
        if (!p.ok())
            c->error = QString::fromStdString(firstError(p.diagnostics));
        else
            c->project = std::move(*p);
    }
    m_cases.push_back(std::move(c));
    return m_cases.back().get();
}

void TestGenerate::initTestCase()
{
    m_root = QDir::currentPath() + "/generated-projects";
    m_cache = QDir::currentPath() + "/generated-objects";
    QDir(m_root).removeRecursively();
    const QString golden = tstest::sharedDir() + "/golden/";
    const QStringList models{"tflm_hello_world_int8", "tflm_hello_world_float", "tflm_keyword_scrambled_8bit",
                             "tflm_micro_speech", "tflm_person_detect", "tflm_simple_add", "tinyengine_lenet_300_100",
                             "tinyengine_lenet_300_100_nobias", "tinyengine_vww", "tinyengine_mcunetv2_large"};
    for (const QString& name : models) {
        auto m = loadShared(name);
        if (!m)
            continue; // the row skips with a message
        std::vector<QByteArray> in, out;
        for (int seed : {1, 2, 3}) {
            in.push_back(fileBytes(golden + name + QString("/input_%1.bin").arg(seed)));
            out.push_back(fileBytes(golden + name + QString("/output_%1.bin").arg(seed)));
        }
        for (bool inplace : {true, false}) {
            Session doc = documentFor(*m, kBoard);
            doc.schedule.inplace.setAll(inplace);
            Case* c = makeCase(name, inplace ? "whole, in-place" : "whole, no in-place", m, doc);
            c->inputs = in;
            c->expected = out;
            c->compareTensors = true;
        }
        // Every Pareto patch schedule of the CNNs the studio patches.
        if (name == "tflm_person_detect" || name == "tinyengine_vww") {
            Session doc = documentFor(*m, kBoard);
            auto whole = runPipeline(*m, doc, tstest::boards());
            if (!whole.ok())
                continue;
            const PipelineResult& w = **whole;
            auto search = searchPatches(w.legal(), w.analysis.memory.order, doc.schedule.patchOptions(), 1 << 30);
            if (!search.ok())
                continue;
            bool first = true;
            for (const PatchPlan& p : search->pareto) {
                for (bool resident : {false, true}) {
                    if (resident && !first)
                        continue;
                    Session pd = doc;
                    pd.schedule.patch = PatchStage{p.split.tensor, p.nh, p.nw, resident};
                    Case* c = makeCase(name, QString("split %1 %2x%3%4").arg(p.split.tensor).arg(p.nh).arg(p.nw)
                                                 .arg(resident ? " resident input" : ""), m, pd);
                    c->inputs = in;
                    c->expected = out;
                }
                if (first) { // the same schedule with in-place off
                    Session pd = doc;
                    pd.schedule.patch = PatchStage{p.split.tensor, p.nh, p.nw, false};
                    pd.schedule.inplace.setAll(false);
                    Case* c = makeCase(name, QString("split %1 %2x%3 no in-place").arg(p.split.tensor).arg(p.nh).arg(p.nw),
                                       m, pd);
                    c->inputs = in;
                    c->expected = out;
                }
                first = false;
            }
        }
    }
    // The demo model: whole and every Pareto schedule, against the reference interpreter.
    {
        auto m = std::make_shared<Model>(buildDemoModel());
        std::vector<QByteArray> in, out;
        for (uint32_t seed : {1u, 2u, 3u}) {
            const auto b = goldenInput(m->main(), seed);
            in.push_back(QByteArray(reinterpret_cast<const char*>(b.data()), int(b.size())));
            out.push_back(referenceOutputs(*m, in.back()));
        }
        Session doc = documentFor(*m, kBoard);
        for (bool inplace : {true, false}) {
            Session d = doc;
            d.schedule.inplace.setAll(inplace);
            Case* c = makeCase({}, inplace ? "whole, in-place" : "whole, no in-place", m, d, "demo");
            c->inputs = in;
            c->expected = out;
        }
        auto whole = runPipeline(*m, doc, tstest::boards());
        if (whole.ok()) {
            const PipelineResult& w = **whole;
            auto search = searchPatches(w.legal(), w.analysis.memory.order, doc.schedule.patchOptions(), 1 << 30);
            if (search.ok())
                for (const PatchPlan& p : search->pareto) {
                    Session pd = doc;
                    pd.schedule.patch = PatchStage{p.split.tensor, p.nh, p.nw, false};
                    Case* c = makeCase({}, QString("split %1 %2x%3").arg(p.split.tensor).arg(p.nh).arg(p.nw), m, pd, "demo");
                    c->inputs = in;
                    c->expected = out;
                }
        }
    }
    // Build every generated project, two at a time (objects shared by content across projects).
    QElapsedTimer timer;
    timer.start();
    QList<Case*> todo;
    for (auto& c : m_cases)
        if (c->error.isEmpty())
            todo << c.get();
    int i = 0;
    for (Case* c : todo)
        c->key += QString(" #%1").arg(i++);
    QtConcurrent::blockingMap(todo, [this](Case* c) {
        const QString dir = m_root + "/" + QString(c->key).replace(QRegularExpression("[^A-Za-z0-9_#]+"), "_");
        c->build = tstest::buildGenerated(c->project, dir, m_cache, true);
    });
    qInfo("%d generated projects built in %lld ms", int(todo.size()), timer.elapsed());
}

void TestGenerate::goldenProjects_data()
{
    QTest::addColumn<int>("index");
    for (size_t i = 0; i < m_cases.size(); ++i)
        QTest::newRow(qPrintable(m_cases[i]->key)) << int(i);
    if (m_cases.empty())
        QTest::newRow("no shared models") << -1;
}

void TestGenerate::goldenProjects()
{
    QFETCH(int, index);
    if (index < 0)
        QSKIP(qPrintable("no shared golden models in " + tstest::sharedDir()));
    Case& c = *m_cases[size_t(index)];
    QVERIFY2(c.error.isEmpty(), qPrintable(c.error));
    QVERIFY2(!c.build.runner.isEmpty(), qPrintable(c.build.error.left(6000)));
    QCOMPARE(c.project.arenaBytes, c.r->peakBytes); // the arena the code declares is the figure the studio shows
    const QString work = QFileInfo(c.build.runner).absolutePath() + "/run";
    for (size_t s = 0; s < c.inputs.size(); ++s) {
        QVERIFY2(!c.inputs[s].isEmpty() && !c.expected[s].isEmpty(), "golden input/output missing");
        QString error;
        const QString dump = s == 0 ? work + "/tensors" : QString();
        const QByteArray got = tstest::runGenerated(c.build.runner, c.inputs[s], work, &error, dump);
        QVERIFY2(error.isEmpty(), qPrintable(QString("seed %1: %2").arg(s + 1).arg(error)));
        if (s == 0 && !c.model.isEmpty()) {
            // Every complete tensor against TFLM's dump: the first op whose output differs.
            const TensorDump td = loadTensorDump((tstest::sharedDir() + "/golden/" + c.model).toStdString());
            int compared = 0;
            for (const DumpedTensor& t : td.tensors) {
                const QByteArray ours = fileBytes(dump + QString("/t%1.bin").arg(t.tensor));
                const Graph& g = c.r->legal().graph;
                if (ours.isEmpty() || !g.tensor(t.tensor) || g.tensors[size_t(t.tensor)].name != t.name)
                    continue;
                ++compared;
                const QByteArray theirs(reinterpret_cast<const char*>(t.bytes.data()), int(t.bytes.size()));
                QVERIFY2(ours == theirs, qPrintable(QString("seed 1: tensor %1 '%2' (produced by %3 op %4) differs: %5")
                                                        .arg(t.tensor)
                                                        .arg(QString::fromStdString(t.name), QString::fromStdString(t.producer))
                                                        .arg(t.producerOp)
                                                        .arg(QString::fromStdString(describeDifference(
                                                            g.tensors[size_t(t.tensor)],
                                                            std::vector<uint8_t>(ours.begin(), ours.end()), t.bytes)))));
            }
            if (c.compareTensors && td.error.empty())
                QVERIFY2(compared > 0, "no dumped tensor could be compared with TFLM's");
        }
        QVERIFY2(got == c.expected[s], qPrintable(QString("seed %1: %2 output bytes, expected %3; first difference at %4")
                                                      .arg(s + 1)
                                                      .arg(got.size())
                                                      .arg(c.expected[s].size())
                                                      .arg([&] {
                                                          int k = 0;
                                                          while (k < got.size() && k < c.expected[s].size() && got[k] == c.expected[s][k])
                                                              ++k;
                                                          return k;
                                                      }())));
    }
}

void TestGenerate::unsupportedOpsAreRefused()
{
    for (const char* name : {"tflm_audio_preprocessor_int8", "tflm_person_detect_vela"}) {
        TS_REQUIRE_MODEL(tstest::modelPath(name));
        auto m = loadShared(name);
        QVERIFY(m);
        auto r = runPipeline(*m, documentFor(*m, kBoard), tstest::boards());
        std::string error;
        if (!r.ok()) {
            error = firstError(r.diagnostics);
        } else {
            auto p = generateProject(*m, **r);
            QVERIFY2(!p.ok(), name);
            error = firstError(p.diagnostics);
        }
        QVERIFY2(QString::fromStdString(error).contains("CUSTOM"), error.c_str());
    }
}

void TestGenerate::deterministic()
{
    auto m = std::make_shared<Model>(buildDemoModel());
    Session doc = documentFor(*m, kBoard);
    auto r1 = runPipeline(*m, doc, tstest::boards());
    auto r2 = runPipeline(*m, doc, tstest::boards());
    QVERIFY(r1.ok() && r2.ok());
    auto a = generateProject(*m, **r1);
    auto b = generateProject(*m, **r2);
    QVERIFY2(a.ok(), firstError(a.diagnostics).c_str());
    QVERIFY(b.ok());
    QCOMPARE(a->files.size(), b->files.size());
    for (size_t i = 0; i < a->files.size(); ++i) {
        QCOMPARE(a->files[i].path, b->files[i].path);
        QVERIFY2(a->files[i].text == b->files[i].text, a->files[i].path.c_str());
    }
    for (const GeneratedFile& f : a->files)
        if (f.path != "manifest.json")
            QVERIFY2(f.text.find("do not edit") != std::string::npos, f.path.c_str());
}

// Names that try to break out of comments, strings and identifiers reach the C compiler escaped:
// the project compiles with -Werror and computes what the reference computes.
void TestGenerate::hostileNamesCompileAndRun()
{
    synth::Builder b;
    const std::string hostile[] = {"*/ #include <stdio.h> /*", std::string("new\nline\\ \"quoted\" \0nul", 26),
                                   std::string(300, 'x') + "??/", "int", "__reserved", "0digit"};
    const int x = b.act(hostile[0], {1, 6, 6, 2});
    const int w = b.int8Weights(hostile[1], {4, 3, 3, 2}, {0.01f, 0.02f, 0.03f, 0.04f});
    const int bias = b.bias(hostile[2], 4);
    const int y = b.act(hostile[3], {1, 6, 6, 4});
    b.op(OpKind::Conv2D, {x, w, bias}, {y}, synth::convOptions(Padding::Same, 1, Activation::Relu));
    const int z = b.act(hostile[4], {1, 3, 3, 4});
    b.op(OpKind::MaxPool2D, {y}, {z}, synth::poolOptions(2, 2));
    auto m = std::make_shared<Model>(b.finish({x}, {z}));
    m->path = "/tmp/*/ evil\n\"name\".tflite";
    auto r = runPipeline(*m, documentFor(*m, kBoard), tstest::boards());
    QVERIFY2(r.ok(), firstError(r.diagnostics).c_str());
    auto p = generateProject(*m, **r);
    QVERIFY2(p.ok(), firstError(p.diagnostics).c_str());
    const QString dir = QDir::currentPath() + "/generated-hostile";
    const auto build = tstest::buildGenerated(*p, dir, m_cache, true);
    QVERIFY2(!build.runner.isEmpty(), qPrintable(build.error.left(4000)));
    const auto in = goldenInput(m->main(), 7);
    const QByteArray input(reinterpret_cast<const char*>(in.data()), int(in.size()));
    QString error;
    const QByteArray got = tstest::runGenerated(build.runner, input, dir + "/run", &error);
    QVERIFY2(error.isEmpty(), qPrintable(error));
    QCOMPARE(got, referenceOutputs(*m, input));
}

void TestGenerate::outputFolderRules()
{
    auto m = std::make_shared<Model>(buildDemoModel());
    auto r = runPipeline(*m, documentFor(*m, kBoard), tstest::boards());
    QVERIFY(r.ok());
    auto p = generateProject(*m, **r);
    QVERIFY(p.ok());
    const QString base = QDir::currentPath() + "/generated-folder-rules";
    QDir(base).removeRecursively();
    QDir().mkpath(base + "/user");
    QFile user(base + "/user/notes.txt");
    QVERIFY(user.open(QIODevice::WriteOnly));
    user.write("mine");
    user.close();
    // A folder of the user's: refused, with or without force, and untouched.
    for (bool force : {false, true}) {
        const Diagnostics d = writeProject(*p, (base + "/user").toStdString(), force);
        QVERIFY(!d.empty());
        QVERIFY2(QString::fromStdString(d.front().toString()).contains("not a TinyStudio generation"), d.front().toString().c_str());
    }
    QCOMPARE(fileBytes(base + "/user/notes.txt"), QByteArray("mine"));
    // A new folder: written; again without force: refused; with force: replaced.
    QVERIFY(writeProject(*p, (base + "/gen").toStdString(), false).empty());
    QVERIFY(QFileInfo::exists(base + "/gen/manifest.json"));
    const Diagnostics again = writeProject(*p, (base + "/gen").toStdString(), false);
    QVERIFY(!again.empty());
    QVERIFY2(QString::fromStdString(again.front().toString()).contains("--force"), again.front().toString().c_str());
    QVERIFY(writeProject(*p, (base + "/gen").toStdString(), true).empty());
    // A parent that is a file: one clear error, the file untouched.
    QFile blocker(base + "/afile");
    QVERIFY(blocker.open(QIODevice::WriteOnly));
    blocker.write("keep");
    blocker.close();
    const Diagnostics fileParent = writeProject(*p, (base + "/afile/gen").toStdString(), false);
    QVERIFY(!fileParent.empty());
    QCOMPARE(fileBytes(base + "/afile"), QByteArray("keep"));
    // A read-only parent: one clear error, nothing half-written.
    QDir().mkpath(base + "/ro");
    QFile::setPermissions(base + "/ro", QFileDevice::ReadOwner | QFileDevice::ExeOwner);
    const Diagnostics ro = writeProject(*p, (base + "/ro/gen").toStdString(), false);
    QFile::setPermissions(base + "/ro", QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ExeOwner);
    if (ro.empty())
        qInfo("read-only folder not checked: this user (root) writes into it anyway");
    else
        QVERIFY(!QFileInfo::exists(base + "/ro/gen"));
}

// Negative control: a plan whose conv output is moved over its own live input is refused by name,
// never turned into code.
void TestGenerate::tamperedPlanIsRefused()
{
    auto m = std::make_shared<Model>(buildDemoModel());
    Session doc = documentFor(*m, kBoard);
    doc.schedule.inplace.setAll(false);
    auto r = runPipeline(*m, doc, tstest::boards());
    QVERIFY(r.ok());
    PipelineResult bad = **r;
    const Graph& g = bad.legal().graph;
    const MemoryAnalysis& mem = bad.analysis.memory;
    bool moved = false;
    for (int o : mem.order) {
        const Op& op = g.ops[size_t(o)];
        if (op.kind != OpKind::Conv2D)
            continue;
        const int bi = mem.tensorBuffer[size_t(op.inputs[0])], bo = mem.tensorBuffer[size_t(op.outputs[0])];
        if (bi < 0 || bo < 0 || bi == bo)
            continue;
        bad.analysis.plan.offsets[size_t(bo)] = bad.analysis.plan.offsets[size_t(bi)];
        moved = true;
        break;
    }
    QVERIFY(moved);
    auto p = generateProject(*m, bad);
    QVERIFY(!p.ok());
    QVERIFY2(firstError(p.diagnostics).find("plan") != std::string::npos, firstError(p.diagnostics).c_str());
}

// Negative control for the debug build: when the gap tables claim bytes that an op writes (here:
// every byte of the arena), the check after that op fails and invoke reports the call's number.
void TestGenerate::canariesCatchAStrayWrite()
{
    auto m = std::make_shared<Model>(buildDemoModel());
    auto r = runPipeline(*m, documentFor(*m, kBoard), tstest::boards());
    QVERIFY(r.ok());
    auto p = generateProject(*m, **r, GenerateOptions{"stray"});
    QVERIFY(p.ok());
    int edited = 0;
    for (GeneratedFile& f : p->files)
        if (f.path == "src/stray_model.c") {
            QString text = QString::fromStdString(f.text);
            edited = text.count(QRegularExpression("static const uint32_t ts_gaps_\\d+\\[\\] = \\{[^}]*\\};"));
            text.replace(QRegularExpression("(static const uint32_t ts_gaps_\\d+\\[\\] = )\\{[^}]*\\};"),
                         QString("\\1{0u, %1u};").arg(p->arenaBytes));
            f.text = text.toStdString();
        }
    QVERIFY(edited > 0);
    const QString dir = QDir::currentPath() + "/generated-stray";
    const auto build = tstest::buildGenerated(*p, dir, m_cache, true);
    QVERIFY2(!build.runner.isEmpty(), qPrintable(build.error.left(4000)));
    const auto in = goldenInput(m->main(), 1);
    QString error;
    tstest::runGenerated(build.runner, QByteArray(reinterpret_cast<const char*>(in.data()), int(in.size())), dir + "/run", &error);
    // The first call whose step has a gap table fails (call 1 may have no gaps at all).
    QVERIFY2(error.contains(QRegularExpression("invoke failed: status [1-9]")), qPrintable(error));
}

// -D<NAME>_EXTERNAL_ARENA: the application's buffer, size and alignment checked, gives the same bytes.
void TestGenerate::externalArena()
{
    auto m = std::make_shared<Model>(buildDemoModel());
    auto r = runPipeline(*m, documentFor(*m, kBoard), tstest::boards());
    QVERIFY(r.ok());
    auto p = generateProject(*m, **r, GenerateOptions{"ext"});
    QVERIFY(p.ok());
    const QString dir = QDir::currentPath() + "/generated-external";
    QVERIFY(writeProject(*p, dir.toStdString(), true).empty());
    QFile app(dir + "/app.c");
    QVERIFY(app.open(QIODevice::WriteOnly));
    app.write(R"(#include "ext_model.h"
#include <stdio.h>
#include <string.h>
static unsigned char buffer[EXT_ARENA_BYTES + 32] __attribute__((aligned(16)));
int main(int argc, char **argv) {
    FILE *f;
    size_t n;
    if (argc != 3) return 64;
    if (ext_set_arena(buffer, EXT_ARENA_BYTES - 1) != -1) return 10;  /* too small */
    if (ext_set_arena(buffer + 1, EXT_ARENA_BYTES) != -1) return 11;  /* misaligned */
    if (ext_invoke() != -1) return 12;                                 /* no arena yet */
    if (ext_set_arena(buffer + 16, EXT_ARENA_BYTES) != 0) return 13;
    if (ext_init() != 0) return 14;
    f = fopen(argv[1], "rb");
    if (!f) return 15;
    n = fread(ext_input(0), 1, EXT_INPUT0_BYTES, f);
    fclose(f);
    if (n != EXT_INPUT0_BYTES) return 16;
    if (ext_invoke() != 0) return 17;
    f = fopen(argv[2], "wb");
    if (!f) return 18;
    fwrite(ext_output(0), 1, EXT_OUTPUT0_BYTES, f);
    return fclose(f) == 0 ? 0 : 19;
}
)");
    app.close();
    QStringList sources{dir + "/app.c"};
    for (const GeneratedFile& f : p->files)
        if (QString::fromStdString(f.path).endsWith(".c"))
            sources << dir + "/" + QString::fromStdString(f.path);
    QString out;
    QVERIFY2(tstest::runTool("cc", QStringList{"-std=c99", "-pedantic", "-DEXT_EXTERNAL_ARENA=1", "-I" + dir + "/include",
                                               "-I" + dir + "/src", "-I" + dir + "/src/kernels"}
                                       + tstest::hostCFlags() + sources + QStringList{"-lm", "-o", dir + "/app"},
                             &out),
             qPrintable(out));
    const auto in = goldenInput(m->main(), 2);
    const QByteArray input(reinterpret_cast<const char*>(in.data()), int(in.size()));
    QString error;
    const QByteArray got = tstest::runGenerated(dir + "/app", input, dir + "/run", &error);
    QVERIFY2(error.isEmpty(), qPrintable(error));
    QCOMPARE(got, referenceOutputs(*m, input));
}

// The generated CMakeLists.txt builds the library and the runner (release configuration, no debug
// checks) and gives TFLM's bytes.
void TestGenerate::generatedCMakeBuilds()
{
    TS_REQUIRE_MODEL(tstest::modelPath("tflm_person_detect"));
    auto m = loadShared("tflm_person_detect");
    QVERIFY(m);
    auto r = runPipeline(*m, documentFor(*m, kBoard), tstest::boards());
    QVERIFY(r.ok());
    auto p = generateProject(*m, **r);
    QVERIFY2(p.ok(), firstError(p.diagnostics).c_str());
    const QString dir = QDir::currentPath() + "/generated-cmake";
    QDir(dir).removeRecursively();
    QVERIFY(writeProject(*p, dir.toStdString(), false).empty());
    QString out;
    QVERIFY2(tstest::runTool("cmake", {"-S", dir, "-B", dir + "/build", "-DCMAKE_BUILD_TYPE=Release",
                                       "-DCMAKE_C_FLAGS=-Wall -Wextra -Werror -pedantic"}, &out),
             qPrintable(out));
    QVERIFY2(tstest::runTool("cmake", {"--build", dir + "/build", "-j2"}, &out), qPrintable(out.right(4000)));
    const QString golden = tstest::sharedDir() + "/golden/tflm_person_detect/";
    QString error;
    const QByteArray got = tstest::runGenerated(dir + "/build/runner", fileBytes(golden + "input_2.bin"), dir + "/run", &error);
    QVERIFY2(error.isEmpty(), qPrintable(error));
    QCOMPARE(got, fileBytes(golden + "output_2.bin"));
}

void TestGenerate::cliGenerateJson()
{
    const QString demo = QDir::currentPath() + "/gen-cli-demo.tflite";
    QString out;
    QVERIFY2(tstest::runTool(TINYSTUDIO_CLI, {"demo-model", demo}, &out), qPrintable(out));
    const QString dir = QDir::currentPath() + "/generated-cli";
    QDir(dir).removeRecursively();
    QProcess p;
    p.start(TINYSTUDIO_CLI, {"generate", demo, "--board", kBoard, "-o", dir, "--json"});
    QVERIFY(p.waitForFinished(120000));
    QCOMPARE(p.exitCode(), 0);
    const QJsonObject o = QJsonDocument::fromJson(p.readAllStandardOutput()).object();
    QVERIFY(o.value("arena_bytes").toInteger() > 0);
    QVERIFY(o.value("weights_bytes").toInteger() > 0);
    QVERIFY(o.value("source_bytes").toInteger() > 0);
    QVERIFY(o.contains("largest_scratch_bytes"));
    QVERIFY(QFileInfo::exists(dir + "/manifest.json"));
    // Again without --force: refused with exit code 1 and the folder kept.
    QProcess again;
    again.start(TINYSTUDIO_CLI, {"generate", demo, "--board", kBoard, "-o", dir});
    QVERIFY(again.waitForFinished(120000));
    QCOMPARE(again.exitCode(), 1);
    QVERIFY(QString::fromLocal8Bit(again.readAllStandardError()).contains("--force"));
    QVERIFY(QFileInfo::exists(dir + "/manifest.json"));
}

QTEST_GUILESS_MAIN(TestGenerate)
#include "tst_generate.moc"
