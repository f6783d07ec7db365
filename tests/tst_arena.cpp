// The arena executor: a plan executed as drawn (every tensor at its planned offset in one byte
// array, in-place ops by real in-place kernels in the contract's iteration order) gives TFLM's
// output bytes for every golden model, planner and option, and with every buffer that allows it
// at the tail; plans that are wrong in a known way (an in-place op run in the wrong order, two live
// buffers on the same bytes, an arena one byte too small, a lifetime one step too short) fail for
// that reason; a plan runs as a stage inside a larger arena; and hand-built graphs pin the
// in-place kernels against the plain reference interpreter.

#include "model/tflite_import.h"
#include "pipeline/analysis.h"
#include "reference/arena_exec.h"
#include "reference/golden.h"
#include "reference/interpreter.h"
#include "testsupport.h"

#include <cstring>
#include <map>
#include <optional>
#include <set>

using namespace ts;
using tstest::boards;
using tstest::h743;

namespace {

const Model& load(const QString& name)
{
    static std::map<QString, Model> cache;
    auto it = cache.find(name);
    if (it == cache.end()) {
        auto r = importTfliteFile(tstest::modelPath(name).toStdString());
        it = cache.emplace(name, r.ok() ? *r : Model{}).first;
    }
    return it->second;
}

QString goldenDir(const QString& name) { return tstest::sharedDir() + "/golden/" + name; }

// Input and expected output bytes for the legalized graph, from TFLM's seed-`seed` files: the
// golden input/output files when the graph keeps the model's inputs and outputs, else (quantized
// I/O strips a float QUANTIZE/DEQUANTIZE) TFLM's seed-1 dump of the body's int8 input and output
// tensors. Empty `error` when both were found.
struct GoldenIo {
    std::vector<uint8_t> input, output;
    QString error;
};

GoldenIo goldenIo(const QString& name, const Model& model, const LegalGraph& lg, int seed)
{
    GoldenIo io;
    if (lg.graph.inputs == model.main().inputs && lg.graph.outputs == model.main().outputs) {
        const auto in = tstest::readBytes(goldenDir(name) + QString("/input_%1.bin").arg(seed));
        const auto out = tstest::readBytes(goldenDir(name) + QString("/output_%1.bin").arg(seed));
        if (!in || !out)
            io.error = "no golden input/output for seed " + QString::number(seed);
        else
            io.input = *in, io.output = *out;
        return io;
    }
    const TensorDump dump = seed == 1 ? loadTensorDump(goldenDir(name).toStdString()) : TensorDump{"only seed 1 is dumped", {}};
    if (!dump.error.empty()) {
        // No dump: the raw graph on the reference interpreter gives the body's inputs and outputs,
        // and its own output must be TFLM's; the stripped DEQUANTIZE is injective, so the body's
        // int8 outputs are then TFLM's too.
        const auto in = tstest::readBytes(goldenDir(name) + QString("/input_%1.bin").arg(seed));
        const auto out = tstest::readBytes(goldenDir(name) + QString("/output_%1.bin").arg(seed));
        auto raw = ReferenceInterpreter::create(model.main());
        if (!in || !out || !raw.ok() || !raw->setInputsFromConcatenated(*in).empty() || !raw->run().empty()
            || raw->outputsConcatenated() != *out) {
            io.error = "no tensor dump, and the raw graph's reference run does not reproduce output_" + QString::number(seed);
            return io;
        }
        for (int t : lg.graph.inputs)
            io.input.insert(io.input.end(), raw->tensorBytes(t).begin(), raw->tensorBytes(t).end());
        for (int t : lg.graph.outputs)
            io.output.insert(io.output.end(), raw->tensorBytes(t).begin(), raw->tensorBytes(t).end());
        return io;
    }
    auto find = [&](int t) -> const DumpedTensor* {
        for (const DumpedTensor& d : dump.tensors)
            if (d.tensor == t)
                return &d;
        return nullptr;
    };
    for (int t : lg.graph.inputs) {
        const DumpedTensor* d = find(t);
        if (!d) {
            io.error = QString("tensor %1 (a body input) is not in TFLM's dump").arg(t);
            return io;
        }
        io.input.insert(io.input.end(), d->bytes.begin(), d->bytes.end());
    }
    for (int t : lg.graph.outputs) {
        const DumpedTensor* d = find(t);
        if (!d) {
            io.error = QString("tensor %1 (a body output) is not in TFLM's dump").arg(t);
            return io;
        }
        io.output.insert(io.output.end(), d->bytes.begin(), d->bytes.end());
    }
    return io;
}

Result<Analysis> analyse(const QString& name, const std::string& planner, bool inplace, bool quantizedIo,
                         bool reorder = false)
{
    AnalysisOptions o;
    o.planner = planner;
    o.memory.setInplace(inplace);
    o.legalize.quantizedIo = quantizedIo;
    o.reorder = reorder;
    return runAnalysis(load(name), h743(), boards(), o);
}

QString inplaceSummary(const ArenaRun& r)
{
    std::map<std::string, int> n;
    for (const InplaceExecution& e : r.inplace)
        ++n[std::string(inplaceKindName(e.kind)) + "/" + iterationOrderName(e.order)];
    QStringList parts;
    for (const auto& [k, c] : n)
        parts << QString("%1 %2").arg(c).arg(QString::fromStdString(k));
    return parts.isEmpty() ? "none in place" : parts.join(", ");
}

std::vector<std::vector<Segment>> segmentsOf(const MemoryAnalysis& m)
{
    std::vector<std::vector<Segment>> s;
    for (const auto& b : m.buffers)
        s.push_back(b.segments);
    return s;
}

// A small graph built by hand; constant bytes are kept alive here.
struct Hand {
    Graph g;
    std::vector<std::shared_ptr<std::vector<uint8_t>>> storage;
    uint32_t rng = 0x1234567u;

    uint32_t next()
    {
        rng ^= rng << 13;
        rng ^= rng >> 17;
        rng ^= rng << 5;
        return rng;
    }
    int tensor(const std::string& name, std::vector<int32_t> shape, DType type, float scale = 0, int zp = 0)
    {
        Tensor t;
        t.name = name;
        t.shape = std::move(shape);
        t.dtype = type;
        if (scale > 0) {
            t.quant.scale = {scale};
            t.quant.zeroPoint = {zp};
        }
        g.tensors.push_back(t);
        return int(g.tensors.size() - 1);
    }
    // A constant of random bytes (int32 values small enough to be a plausible bias or addend).
    int constant(const std::string& name, std::vector<int32_t> shape, DType type, Quantization q = {})
    {
        const int t = tensor(name, std::move(shape), type);
        g.tensors[size_t(t)].quant = std::move(q);
        const int64_t n = g.tensors[size_t(t)].elementCount().value_or(0);
        auto bytes = std::make_shared<std::vector<uint8_t>>();
        auto append = [&](const auto v) {
            const auto* p = reinterpret_cast<const uint8_t*>(&v);
            bytes->insert(bytes->end(), p, p + sizeof(v));
        };
        for (int64_t i = 0; i < n; ++i) {
            const uint32_t r = next();
            switch (type) {
            case DType::Int8: append(int8_t(r)); break;
            case DType::Int16: append(int16_t(int32_t(r % 2001) - 1000)); break;
            case DType::Int32: append(int32_t(r % 4001) - 2000); break;
            case DType::Float32: append(float(int32_t(r % 2001) - 1000) / 256.0f); break;
            default: break;
            }
        }
        g.tensors[size_t(t)].data = ByteView{bytes->data(), bytes->size()};
        storage.push_back(bytes);
        return t;
    }
    void op(OpKind kind, std::vector<int> in, std::vector<int> out, OpOptions options)
    {
        Op o;
        o.kind = kind;
        o.inputs = std::move(in);
        o.outputs = std::move(out);
        o.options = std::move(options);
        g.ops.push_back(o);
    }
    std::vector<uint8_t> input(uint32_t seed) const { return goldenInput(g, seed); }
};

// The plain reference interpreter's outputs for `g` on `input`.
std::vector<uint8_t> referenceRun(const Graph& g, const std::vector<uint8_t>& input)
{
    auto interp = ReferenceInterpreter::create(g);
    if (!interp.ok() || !interp->setInputsFromConcatenated(input).empty() || !interp->run().empty())
        return {};
    return interp->outputsConcatenated();
}

} // namespace

class TestArena : public QObject {
    Q_OBJECT
private slots:
    void golden_data();
    void golden();
    void wrongOrderFails();
    void overlappingBuffersFail_data();
    void overlappingBuffersFail();
    void tooSmallPlanFails();
    void shortLifetimeFails();
    void tailPlacements_data();
    void tailPlacements();
    void stageInALargerArena();
    void variablesStartFromReset();
    void expandingPointwiseByHand_data();
    void expandingPointwiseByHand();
    void elementwiseByHand_data();
    void elementwiseByHand();
    void stridedWindows();
};

// Every golden model the interpreter can run × planner × in place on/off × quantized I/O on/off
// (mcunetv2, the big one: its default schedule only), plus reordered rows.
void TestArena::golden_data()
{
    QTest::addColumn<QString>("name");
    QTest::addColumn<QString>("planner");
    QTest::addColumn<bool>("inplace");
    QTest::addColumn<bool>("quantizedIo");
    QTest::addColumn<bool>("reorder");
    const QStringList names = QDir(tstest::sharedDir() + "/golden").entryList(QDir::Dirs | QDir::NoDotAndDotDot, QDir::Name);
    for (const QString& n : names) {
        if (n == "tflm_audio_preprocessor_int8") // CUSTOM signal ops: no reference kernels
            continue;
        if (n == "tinyengine_mcunetv2_large") {
            QTest::newRow(qPrintable(n + " hill-climb inplace")) << n << "hill-climb" << true << false << false;
            continue;
        }
        for (const std::string& p : plannerNames())
            for (int v = 0; v < 4; ++v) {
                const bool inplace = v & 1, qio = v & 2;
                const QString row = QString("%1 %2%3%4").arg(n, QString::fromStdString(p), inplace ? " inplace" : "", qio ? " qio" : "");
                QTest::newRow(qPrintable(row)) << n << QString::fromStdString(p) << inplace << qio << false;
            }
        QTest::newRow(qPrintable(n + " hill-climb inplace reorder")) << n << "hill-climb" << true << false << true;
    }
    if (names.isEmpty())
        QTest::newRow("no golden data") << QString() << QString() << false << false << false;
}

void TestArena::golden()
{
    QFETCH(QString, name);
    QFETCH(QString, planner);
    QFETCH(bool, inplace);
    QFETCH(bool, quantizedIo);
    QFETCH(bool, reorder);
    if (name.isEmpty())
        QSKIP(qPrintable("no golden data in " + tstest::sharedDir() + "/golden (set TINYSTUDIO_SHARED_DIR)"));
    TS_REQUIRE_MODEL(tstest::modelPath(name));
    auto a = analyse(name, planner.toStdString(), inplace, quantizedIo, reorder);
    QVERIFY2(a.ok(), firstError(a.diagnostics).c_str());
    const Graph& g = a->legal.graph;
    // The plan is valid by the static checks; the run proves it by execution.
    const std::string bad = checkPlan(g, a->memory, a->plan);
    QVERIFY2(bad.empty(), bad.c_str());
    for (int seed : {1, 2}) {
        const GoldenIo io = goldenIo(name, load(name), a->legal, seed);
        if (!io.error.isEmpty())
            QSKIP(qPrintable(io.error));
        const ArenaRun run = runInArena(a->legal, a->memory, a->plan, io.input);
        QVERIFY2(run.ok(), firstError(run.diagnostics).c_str());
        QCOMPARE(run.stepsRun, int(a->memory.order.size()));
        // Every in-place op of the analysis ran as an in-place kernel.
        QCOMPARE(run.inplace.size(), a->memory.inplace.size());
        if (run.outputs != io.output) {
            std::string detail;
            if (g.outputs.size() == 1)
                detail = describeDifference(g.tensors[size_t(g.outputs[0])], run.outputs, io.output);
            QFAIL(qPrintable(QString("seed %1: the arena run differs from TFLM's output: %2").arg(seed).arg(QString::fromStdString(detail))));
        }
        if (seed == 1)
            qInfo("%s: %lld B arena, %zu steps, %s", qPrintable(QTest::currentDataTag()), qlonglong(a->plan.peakBytes),
                  a->memory.order.size(), qPrintable(inplaceSummary(run)));
    }
}

// (a) vww's hill-climb plan with one in-place shrinking 1×1 convolution's buffer moved to the tail:
// the contract makes that placement safe only pixels backward. Executed backward it gives TFLM's
// bytes; forced pixels forward, each output pixel is stored over input pixels not read yet.
void TestArena::wrongOrderFails()
{
    const QString name = "tinyengine_vww";
    TS_REQUIRE_MODEL(tstest::modelPath(name));
    auto a = analyse(name, "hill-climb", true, false);
    QVERIFY(a.ok());
    const Graph& g = a->legal.graph;
    const GoldenIo io = goldenIo(name, load(name), a->legal, 1);
    QVERIFY(io.error.isEmpty());

    const InplaceStep* pick = nullptr;
    for (const InplaceStep& ip : a->memory.inplace) {
        const Tensor& x = g.tensors[size_t(ip.input)];
        const Tensor& y = g.tensors[size_t(ip.output)];
        if (ip.kind == InplaceKind::PointwiseShrink && y.shape[3] < x.shape[3] && a->memory.buffers[size_t(ip.buffer)].tailAllowed) {
            pick = &ip;
            break;
        }
    }
    QVERIFY2(pick, "vww has no strictly shrinking in-place 1×1 convolution whose buffer may sit at the tail");
    ArenaPlan tail = a->plan;
    tail.tail[size_t(pick->buffer)] = true;
    if (!checkPlan(g, a->memory, tail).empty()) {
        // The flip collides with a neighbour that used the released head: move the buffer on top.
        tail.offsets[size_t(pick->buffer)] = a->plan.peakBytes;
        tail.peakBytes = placementPeak(segmentsOf(a->memory), tail.offsets, tail.tail);
    }
    const std::string bad = checkPlan(g, a->memory, tail);
    QVERIFY2(bad.empty(), bad.c_str());
    std::optional<InplacePlacement> placed;
    for (const InplacePlacement& p : inplacePlacements(g, a->memory, tail))
        if (p.step.step == pick->step)
            placed = p;
    QVERIFY(placed && placed->order);
    QCOMPARE(*placed->order, IterationOrder::Backward);
    const Tensor& x = g.tensors[size_t(pick->input)];
    const int64_t pixels = int64_t(x.shape[1]) * x.shape[2];
    const int64_t cin = x.shape[3], cout = g.tensors[size_t(pick->output)].shape[3];
    QVERIFY(placed->delta() >= (pixels - 1) * (cin - cout)); // the tail: output at the end of the input
    QVERIFY(placed->delta() > cin - cout);                    // … where forward is not safe

    const ArenaRun right = runInArena(a->legal, a->memory, tail, io.input);
    QVERIFY2(right.ok(), firstError(right.diagnostics).c_str());
    QVERIFY2(right.outputs == io.output, "the tail placement run backward, as the contract says, must give TFLM's bytes");

    ArenaExecOptions wrong;
    wrong.forceOrder[pick->op] = IterationOrder::Forward;
    const ArenaRun forward = runInArena(a->legal, a->memory, tail, io.input, wrong);
    QVERIFY2(forward.ok(), firstError(forward.diagnostics).c_str());
    QVERIFY2(forward.outputs != io.output, "pixels forward over a tail placement must corrupt the result");
    qInfo("step %d (op %d, 1x1 %lld->%lld over %lld pixels, delta %lld): backward matches TFLM, forward gives %s",
          pick->step, pick->op, qlonglong(cin), qlonglong(cout), qlonglong(pixels), qlonglong(placed->delta()),
          describeDifference(g.tensors[size_t(g.outputs[0])], forward.outputs, io.output).c_str());
}

void TestArena::overlappingBuffersFail_data()
{
    QTest::addColumn<bool>("inplace");
    QTest::newRow("in place (the victim is read by an in-place ADD)") << true;
    QTest::newRow("no in place (the victim is read by a reference kernel)") << false;
}

// (b) One buffer moved onto another that is live at the same time: the static check names the
// overlap, and the execution clobbers the live tensor, so the output bytes differ.
void TestArena::overlappingBuffersFail()
{
    QFETCH(bool, inplace);
    const QString name = "tinyengine_vww";
    TS_REQUIRE_MODEL(tstest::modelPath(name));
    auto a = analyse(name, "hill-climb", inplace, false);
    QVERIFY(a.ok());
    const Graph& g = a->legal.graph;
    const MemoryAnalysis& m = a->memory;
    const GoldenIo io = goldenIo(name, load(name), a->legal, 1);
    QVERIFY(io.error.isEmpty());

    // A step whose (not in-place) output buffer O is written while another tensor buffer X is
    // still to be read at a later step (in vww: a block's input, read again by the residual ADD,
    // while the expanding 1×1 convolution writes its output): put O on X.
    int outBuffer = -1, victim = -1, step = -1;
    for (int s = 0; s < int(m.order.size()) && victim < 0; ++s) {
        if (m.steps[size_t(s)].inplace)
            continue;
        const Op& op = g.ops[size_t(m.order[size_t(s)])];
        if (op.outputs.size() != 1 || m.tensorBuffer[size_t(op.outputs[0])] < 0)
            continue;
        const int o = m.tensorBuffer[size_t(op.outputs[0])];
        for (int b : m.steps[size_t(s)].live)
            if (b != o && m.buffers[size_t(b)].kind == PlanBuffer::Kind::Tensor && m.buffers[size_t(b)].last() > s) {
                outBuffer = o, victim = b, step = s;
                break;
            }
    }
    QVERIFY2(victim >= 0, "vww has no step with another tensor live across it");
    ArenaPlan moved = a->plan;
    moved.offsets[size_t(outBuffer)] = moved.segmentOffset(m, victim, 0);
    moved.tail[size_t(outBuffer)] = false;
    moved.peakBytes = placementPeak(segmentsOf(m), moved.offsets, moved.tail);
    const std::string overlap = checkPlan(g, m, moved);
    QVERIFY2(!overlap.empty(), "the static check must see the overlap");
    const ArenaRun run = runInArena(a->legal, m, moved, io.input);
    QVERIFY2(run.ok(), firstError(run.diagnostics).c_str()); // executed as drawn …
    QVERIFY2(run.outputs != io.output, "… and the clobbered tensor must show in the output");
    qInfo("step %d writes buffer %d '%s' over live buffer %d '%s' (%s): %s", step, outBuffer,
          m.buffers[size_t(outBuffer)].label.c_str(), victim, m.buffers[size_t(victim)].label.c_str(), overlap.c_str(),
          describeDifference(g.tensors[size_t(g.outputs[0])], run.outputs, io.output).c_str());
}

// (c) A plan that claims one byte less than it uses: refused up front with the buffer named; and,
// with that check off, the guard band after the arena catches the step that writes past the end.
void TestArena::tooSmallPlanFails()
{
    TS_REQUIRE_SHARED();
    // Find a plan whose top tensor's real bytes (not only its aligned size) reach the peak.
    for (const QString& name : {QString("tinyengine_vww"), QString("tflm_person_detect"), QString("tflm_micro_speech")})
        for (const std::string& planner : plannerNames()) {
            if (!QFileInfo::exists(tstest::modelPath(name)))
                continue;
            auto a = analyse(name, planner, true, false);
            QVERIFY(a.ok());
            const Graph& g = a->legal.graph;
            int top = -1;
            for (size_t t = 0; t < g.tensors.size(); ++t) {
                const int64_t o = a->plan.tensorOffset(g, a->memory, int(t));
                if (o >= 0 && o + g.tensors[t].byteSize().value_or(0) == a->plan.peakBytes)
                    top = int(t);
            }
            if (top < 0)
                continue;
            const GoldenIo io = goldenIo(name, load(name), a->legal, 1);
            QVERIFY(io.error.isEmpty());
            ArenaPlan small = a->plan;
            small.peakBytes -= 1;
            const ArenaRun refused = runInArena(a->legal, a->memory, small, io.input);
            QVERIFY(!refused.ok());
            const QString why = QString::fromStdString(firstError(refused.diagnostics));
            QVERIFY2(why.contains("refuses the plan") && why.contains(QString("outside the plan's %1 bytes").arg(small.peakBytes)),
                     qPrintable(why));
            QCOMPARE(refused.stepsRun, 0);

            ArenaExecOptions unchecked;
            unchecked.checkFootprint = false;
            const ArenaRun caught = runInArena(a->legal, a->memory, small, io.input, unchecked);
            QVERIFY(!caught.ok());
            const QString guard = QString::fromStdString(firstError(caught.diagnostics));
            QVERIFY2(guard.contains("overwrote the guard band 0 B past the end") && guard.contains("plan is too small"),
                     qPrintable(guard));
            qInfo("%s %s, tensor %d '%s' ends at the peak: refused: %s; unchecked: %s", qPrintable(name), planner.c_str(),
                  top, g.tensors[size_t(top)].name.c_str(), qPrintable(why), qPrintable(guard));
            return;
        }
    QSKIP("no shared plan has a tensor whose bytes end exactly at the peak");
}

// (d) A lifetime one step too short: nothing else is placed on the bytes, so without poisoning the
// run would still read the right values by luck; the executor poisons a buffer's bytes after its
// last step, so the late read sees garbage.
void TestArena::shortLifetimeFails()
{
    const QString name = "tinyengine_vww";
    TS_REQUIRE_MODEL(tstest::modelPath(name));
    auto a = analyse(name, "hill-climb", true, false);
    QVERIFY(a.ok());
    const Graph& g = a->legal.graph;
    const GoldenIo io = goldenIo(name, load(name), a->legal, 1);
    QVERIFY(io.error.isEmpty());
    // A tensor buffer whose last segment spans at least two steps and that no graph output holds.
    MemoryAnalysis m = a->memory;
    int victim = -1;
    for (size_t b = 0; b < m.buffers.size() && victim < 0; ++b) {
        const PlanBuffer& pb = m.buffers[b];
        bool output = false;
        for (int t : pb.tensors)
            output |= std::count(g.outputs.begin(), g.outputs.end(), t) > 0;
        if (pb.kind == PlanBuffer::Kind::Tensor && !output && pb.segments.back().last > pb.segments.back().first)
            victim = int(b);
    }
    QVERIFY(victim >= 0);
    m.buffers[size_t(victim)].segments.back().last -= 1;
    ArenaExecOptions lucky;
    lucky.poisonReleased = false;
    const ArenaRun unpoisoned = runInArena(a->legal, m, a->plan, io.input, lucky);
    QVERIFY(unpoisoned.ok());
    QVERIFY2(unpoisoned.outputs == io.output, "without poisoning the dead bytes are still there");
    const ArenaRun poisoned = runInArena(a->legal, m, a->plan, io.input);
    QVERIFY(poisoned.ok());
    QVERIFY2(poisoned.outputs != io.output, "the read after the (wrongly) released step must see poison");
}

void TestArena::tailPlacements_data()
{
    QTest::addColumn<QString>("name");
    QTest::newRow("vww") << "tinyengine_vww";
    QTest::newRow("person_detect") << "tflm_person_detect";
    QTest::newRow("mcunetv2_large") << "tinyengine_mcunetv2_large";
}

// Every buffer that allows it at the tail (its tensors end-aligned), on a plan with no reuse so the
// flip cannot collide: every in-place op then runs its tail variant (1×1 shrinking pixels
// backward, expanding pixels forward, depthwise at a delta that is a multiple of C), and the
// output is still TFLM's.
void TestArena::tailPlacements()
{
    QFETCH(QString, name);
    TS_REQUIRE_MODEL(tstest::modelPath(name));
    auto a = analyse(name, "hill-climb", true, true);
    QVERIFY(a.ok());
    const MemoryAnalysis& m = a->memory;
    ArenaPlan plan;
    plan.planner = "disjoint, tail where allowed";
    int64_t at = 0;
    int tails = 0;
    for (const PlanBuffer& b : m.buffers) {
        plan.offsets.push_back(at);
        const bool tail = b.kind == PlanBuffer::Kind::Tensor && b.tailAllowed && b.segments.size() > 1;
        plan.tail.push_back(tail);
        tails += tail;
        at += b.maxSize();
    }
    plan.peakBytes = at;
    const std::string bad = checkPlan(a->legal.graph, m, plan);
    QVERIFY2(bad.empty(), bad.c_str());
    const GoldenIo io = goldenIo(name, load(name), a->legal, 1);
    QVERIFY2(io.error.isEmpty(), qPrintable(io.error));
    const ArenaRun run = runInArena(a->legal, m, plan, io.input);
    QVERIFY2(run.ok(), firstError(run.diagnostics).c_str());
    QVERIFY2(run.outputs == io.output, "tail placements executed by their contract order must give TFLM's bytes");
    int backward = 0, forwardExpand = 0, shiftedDepthwise = 0, shifted = 0;
    for (const InplaceExecution& e : run.inplace) {
        backward += e.kind == InplaceKind::PointwiseShrink && e.order == IterationOrder::Backward;
        forwardExpand += e.kind == InplaceKind::PointwiseExpand && e.order == IterationOrder::Forward;
        shiftedDepthwise += e.kind == InplaceKind::Depthwise && e.delta() != 0;
        shifted += e.delta() != 0;
    }
    QVERIFY(tails > 0);
    QVERIFY(shifted > 0); // some in-place op really ran at a tail placement
    qInfo("%d buffers at the tail; %s; %d shrinking 1x1 backward, %d expanding 1x1 forward, %d depthwise at delta != 0",
          tails, qPrintable(inplaceSummary(run)), backward, forwardExpand, shiftedDepthwise);
}

// The stage form: the plan at a base offset inside a larger arena, its graph input held outside
// the plan (MemoryOptions::external, as a patch schedule keeps its split tensor) and bound at
// offset 0. The bytes around the stage stay untouched and the output is TFLM's.
void TestArena::stageInALargerArena()
{
    const QString name = "tinyengine_vww";
    TS_REQUIRE_MODEL(tstest::modelPath(name));
    const LegalGraph lg = legalize(load(name), LegalizeOptions{true, true, true, true});
    MemoryOptions mo;
    const int input = lg.graph.inputs[0];
    mo.external = {input};
    auto m = analyzeMemory(lg, storedOrder(lg), mo);
    QVERIFY(m.ok());
    QCOMPARE(m->tensorBuffer[size_t(input)], -1);
    auto planner = createPlanner("hill-climb");
    const ArenaPlan plan = planArena(*m, *planner);
    auto ex = ArenaExecutor::create(lg, *m, plan);
    QVERIFY2(ex.ok(), firstError(ex.diagnostics).c_str());

    const int64_t inputBytes = lg.graph.tensors[size_t(input)].byteSize().value_or(0);
    const int64_t base = alignUp(inputBytes, 16) + 256;
    std::vector<uint8_t> bytes(size_t(base + plan.peakBytes + 512));
    for (size_t i = 0; i < bytes.size(); ++i)
        bytes[i] = uint8_t(i * 37 + 11);
    const std::vector<uint8_t> around = bytes;
    ArenaSpace space{bytes.data(), int64_t(bytes.size()), base, {{input, 0}}};
    QCOMPARE((*ex)->where(space, input), int64_t(0));
    const GoldenIo io = goldenIo(name, load(name), lg, 1);
    QVERIFY(io.error.isEmpty());
    QVERIFY((*ex)->writeTensor(space, input, io.input).empty());
    const ArenaRun run = (*ex)->run(space);
    QVERIFY2(run.ok(), firstError(run.diagnostics).c_str());
    QCOMPARE((*ex)->readTensor(space, lg.graph.outputs[0]), io.output);
    for (int64_t i = inputBytes; i < base; ++i)
        QCOMPARE(bytes[size_t(i)], around[size_t(i)]);
    for (int64_t i = base + plan.peakBytes; i < int64_t(bytes.size()); ++i)
        QCOMPARE(bytes[size_t(i)], around[size_t(i)]);
    // The same executor again (as a patch schedule runs one layout per patch), another input.
    const GoldenIo io2 = goldenIo(name, load(name), lg, 2);
    QVERIFY(io2.error.isEmpty());
    QVERIFY((*ex)->writeTensor(space, input, io2.input).empty());
    const ArenaRun again = (*ex)->run(space);
    QVERIFY2(again.ok(), firstError(again.diagnostics).c_str());
    QCOMPARE((*ex)->readTensor(space, lg.graph.outputs[0]), io2.output);
}

// SVDF state planned in the arena (keyword_scrambled, every planner but tflm-greedy) or kept
// outside it (tflm-greedy, as TFLM does): one executor run twice, each run an invocation from the
// reset state, as TFLM's golden runs are.
void TestArena::variablesStartFromReset()
{
    const QString name = "tflm_keyword_scrambled_8bit";
    TS_REQUIRE_MODEL(tstest::modelPath(name));
    for (const std::string& planner : plannerNames()) {
        auto a = analyse(name, planner, true, false);
        QVERIFY(a.ok());
        const Graph& g = a->legal.graph;
        int planned = 0, variables = 0;
        for (size_t t = 0; t < g.tensors.size(); ++t)
            if (g.tensors[t].isVariable) {
                ++variables;
                planned += a->plan.tensorOffset(g, a->memory, int(t)) >= 0;
            }
        QVERIFY(variables > 0);
        QCOMPARE(planned, planner == "tflm-greedy" ? 0 : variables);
        auto ex = ArenaExecutor::create(a->legal, a->memory, a->plan);
        QVERIFY(ex.ok());
        std::vector<uint8_t> bytes(size_t(a->plan.peakBytes));
        ArenaSpace space{bytes.data(), int64_t(bytes.size()), 0, {}};
        for (int seed : {1, 2}) {
            const GoldenIo io = goldenIo(name, load(name), a->legal, seed);
            QVERIFY(io.error.isEmpty());
            QVERIFY((*ex)->writeTensor(space, g.inputs[0], io.input).empty());
            const ArenaRun run = (*ex)->run(space);
            QVERIFY2(run.ok(), firstError(run.diagnostics).c_str());
            QCOMPARE((*ex)->readTensor(space, g.outputs[0]), io.output);
        }
    }
}

void TestArena::expandingPointwiseByHand_data()
{
    QTest::addColumn<int>("h");
    QTest::addColumn<int>("w");
    QTest::addColumn<int>("cin");
    QTest::addColumn<int>("cout");
    QTest::addColumn<int>("alignment");
    QTest::newRow("4x4 8->24") << 4 << 4 << 8 << 24 << 16;
    QTest::newRow("3x5 6->20, sizes not multiples of 16") << 3 << 5 << 6 << 20 << 16;
    QTest::newRow("3x5 6->20, unaligned") << 3 << 5 << 6 << 20 << 1;
}

// x → MAX_POOL 3×3 → t (dies at the conv) → CONV 1×1 Cin→Cout (Cout > Cin), in place over t.
// With t at the head of the shared buffer (delta 0) the contract says pixels backward; with t at
// the tail (delta = size(t) − size(y) < 0) pixels forward. Each gives the reference interpreter's
// bytes; each run in the other order does not.
void TestArena::expandingPointwiseByHand()
{
    QFETCH(int, h);
    QFETCH(int, w);
    QFETCH(int, cin);
    QFETCH(int, cout);
    QFETCH(int, alignment);
    Hand b;
    const int x = b.tensor("x", {1, h, w, cin}, DType::Int8, 0.05f, 3);
    const int t = b.tensor("t", {1, h, w, cin}, DType::Int8, 0.05f, 3);
    const int y = b.tensor("y", {1, h, w, cout}, DType::Int8, 0.1f, -5);
    Quantization wq;
    wq.quantizedDimension = 0;
    for (int c = 0; c < cout; ++c) {
        wq.scale.push_back(0.01f + 0.002f * float(c));
        wq.zeroPoint.push_back(0);
    }
    const int filter = b.constant("filter", {cout, 1, 1, cin}, DType::Int8, wq);
    const int bias = b.constant("bias", {cout}, DType::Int32);
    Pool2DOptions pool;
    pool.filterH = pool.filterW = 3;
    b.op(OpKind::MaxPool2D, {x}, {t}, pool);
    Conv2DOptions conv;
    conv.padding = Padding::Valid;
    conv.activation = Activation::Relu6;
    b.op(OpKind::Conv2D, {t, filter, bias}, {y}, conv);
    b.g.inputs = {x};
    b.g.outputs = {y};
    const LegalGraph lg = makeLegalGraph(b.g);
    MemoryOptions mo;
    mo.alignment = alignment;
    auto m = analyzeMemory(lg, storedOrder(lg), mo);
    QVERIFY(m.ok());
    QCOMPARE(m->inplace.size(), size_t(1));
    QCOMPARE(m->inplace[0].kind, InplaceKind::PointwiseExpand);
    const int shared = m->tensorBuffer[size_t(t)], xb = m->tensorBuffer[size_t(x)];
    QCOMPARE(m->tensorBuffer[size_t(y)], shared);
    int scratch = -1;
    for (size_t i = 0; i < m->buffers.size(); ++i)
        if (m->buffers[i].kind == PlanBuffer::Kind::Scratch)
            scratch = int(i);
    QVERIFY(scratch >= 0);
    // The 1x1 kernel takes pixels in pairs (each filter load serves both), the pair's input widened
    // to int16 in scratch before any output is stored: 2 pixels × Cin × 2 B.
    QCOMPARE(m->buffers[size_t(scratch)].segments[0].size, alignUp(2 * cin * 2, alignment));

    const std::vector<uint8_t> input = b.input(7);
    const std::vector<uint8_t> expected = referenceRun(lg.graph, input);
    QVERIFY(!expected.empty());

    // By hand: the shared buffer at 0, x above it, the scratch above x.
    const int64_t sizeY = alignUp(int64_t(h) * w * cout, alignment), sizeX = alignUp(int64_t(h) * w * cin, alignment);
    ArenaPlan plan;
    plan.planner = "by hand";
    plan.offsets.assign(m->buffers.size(), 0);
    plan.tail.assign(m->buffers.size(), false);
    plan.offsets[size_t(xb)] = sizeY;
    plan.offsets[size_t(scratch)] = sizeY + sizeX;
    plan.peakBytes = sizeY + sizeX + alignUp(2 * cin * 2, alignment);
    for (bool atTail : {false, true}) {
        plan.tail[size_t(shared)] = atTail;
        QVERIFY2(checkPlan(lg.graph, *m, plan).empty(), checkPlan(lg.graph, *m, plan).c_str());
        const auto placements = inplacePlacements(lg.graph, *m, plan);
        QCOMPARE(placements.size(), size_t(1));
        QCOMPARE(placements[0].delta(), atTail ? sizeX - sizeY : int64_t(0));
        const IterationOrder expectOrder = atTail ? IterationOrder::Forward : IterationOrder::Backward;
        QCOMPARE(*placements[0].order, expectOrder);
        const ArenaRun run = runInArena(lg, *m, plan, input);
        QVERIFY2(run.ok(), firstError(run.diagnostics).c_str());
        QCOMPARE(run.inplace.size(), size_t(1));
        QCOMPARE(run.inplace[0].order, expectOrder);
        QCOMPARE(run.inplace[0].scratchOffset, sizeY + sizeX);
        QVERIFY2(run.outputs == expected, atTail ? "tail, forward" : "head, backward");
        // The other order over the same placement overwrites input pixels before they are read.
        ArenaExecOptions wrong;
        wrong.forceOrder[1] = atTail ? IterationOrder::Backward : IterationOrder::Forward;
        const ArenaRun bad = runInArena(lg, *m, plan, input, wrong);
        QVERIFY(bad.ok());
        QVERIFY2(bad.outputs != expected, atTail ? "tail, backward must fail" : "head, forward must fail");
    }
    // And the planners' own plans.
    for (const std::string& p : plannerNames()) {
        auto planner = createPlanner(p);
        const ArenaPlan planned = planArena(*m, *planner);
        QVERIFY(checkPlan(lg.graph, *m, planned).empty());
        const ArenaRun run = runInArena(lg, *m, planned, input);
        QVERIFY2(run.ok(), firstError(run.diagnostics).c_str());
        QVERIFY2(run.outputs == expected, p.c_str());
    }
}

void TestArena::elementwiseByHand_data()
{
    QTest::addColumn<int>("kind");
    QTest::addColumn<int>("type");
    QTest::addColumn<int>("operand");   // which input of the op dies there and is written over
    QTest::addColumn<bool>("broadcast"); // the other input is a [C] constant
    for (OpKind k : {OpKind::Add, OpKind::Sub, OpKind::Mul})
        for (DType t : {DType::Int8, DType::Int16, DType::Float32, DType::Int32})
            for (int operand : {0, 1})
                for (bool bc : {false, true})
                    QTest::newRow(qPrintable(QString("%1 %2 over input %3%4")
                                                 .arg(QString::fromStdString(opKindName(k)), dtypeName(t))
                                                 .arg(operand)
                                                 .arg(bc ? ", other broadcast" : "")))
                        << int(k) << int(t) << operand << bc;
}

// x, z → ADD(x, z) → a (a fresh tensor) → OP(a, other) or OP(other, a) in place over a. Compared
// with the reference interpreter, for every type and both operand positions (SUB is not symmetric).
void TestArena::elementwiseByHand()
{
    QFETCH(int, kind);
    QFETCH(int, type);
    QFETCH(int, operand);
    QFETCH(bool, broadcast);
    const auto k = OpKind(kind);
    const auto dt = DType(type);
    const bool quantized = dt == DType::Int8 || dt == DType::Int16;
    const int zp = dt == DType::Int8 ? 2 : 0;
    Hand b;
    const std::vector<int32_t> shape{1, 2, 3, 5};
    const int x = b.tensor("x", shape, dt, quantized ? 0.05f : 0, zp);
    const int z = b.tensor("z", shape, dt, quantized ? 0.04f : 0, -zp);
    const int a = b.tensor("a", shape, dt, quantized ? 0.07f : 0, zp);
    Quantization oq;
    if (quantized) {
        oq.scale = {0.03f};
        oq.zeroPoint = {-zp};
    }
    const int other = broadcast ? b.constant("other", {5}, dt, oq) : b.tensor("w", shape, dt, quantized ? 0.03f : 0, -zp);
    const int y = b.tensor("y", shape, dt, quantized ? (k == OpKind::Mul ? 0.02f : 0.09f) : 0, zp);
    ElementwiseOptions plain;
    b.op(OpKind::Add, {x, z}, {a}, plain);
    ElementwiseOptions opts;
    opts.activation = dt == DType::Int32 ? Activation::None : Activation::Relu;
    b.op(k, operand == 0 ? std::vector<int>{a, other} : std::vector<int>{other, a}, {y}, opts);
    b.g.inputs = broadcast ? std::vector<int>{x, z} : std::vector<int>{x, z, other};
    b.g.outputs = {y};
    const LegalGraph lg = makeLegalGraph(b.g);
    auto m = analyzeMemory(lg, storedOrder(lg), MemoryOptions{});
    QVERIFY(m.ok());
    QCOMPARE(m->inplace.size(), size_t(1));
    QCOMPARE(m->inplace[0].kind, InplaceKind::Elementwise);
    QCOMPARE(m->inplace[0].input, a);
    const std::vector<uint8_t> input = b.input(3);
    const std::vector<uint8_t> expected = referenceRun(lg.graph, input);
    QVERIFY(!expected.empty());
    for (const std::string& p : plannerNames()) {
        auto planner = createPlanner(p);
        const ArenaPlan plan = planArena(*m, *planner);
        const ArenaRun run = runInArena(lg, *m, plan, input);
        QVERIFY2(run.ok(), firstError(run.diagnostics).c_str());
        QCOMPARE(run.inplace.size(), size_t(1));
        QCOMPARE(run.inplace[0].delta(), int64_t(0));
        QVERIFY2(run.outputs == expected, p.c_str());
    }
}

// Operands addressed as strided windows (what a patch schedule's stage-1 ops need): x is held as a
// 5x5 map and the ADD reads its 3x3 window at row 1, column 2, in place over its other input. The
// bytes are those of the reference interpreter on the cropped x; a window written in place, or one
// outside the stored map, is refused.
void TestArena::stridedWindows()
{
    const int C = 4;
    auto build = [&](int xh, int xw) {
        Hand b;
        const int x = b.tensor("x", {1, xh, xw, C}, DType::Int8, 0.05f, 3);
        const int u = b.tensor("u", {1, 3, 3, C}, DType::Int8, 0.04f, -2);
        const int v = b.tensor("v", {1, 3, 3, C}, DType::Int8, 0.06f, 1);
        const int a = b.tensor("a", {1, 3, 3, C}, DType::Int8, 0.07f, 0);
        const int y = b.tensor("y", {1, 3, 3, C}, DType::Int8, 0.08f, -1);
        b.op(OpKind::Add, {u, v}, {a}, ElementwiseOptions{});
        b.op(OpKind::Add, {x, a}, {y}, ElementwiseOptions{});
        b.g.inputs = {x, u, v};
        b.g.outputs = {y};
        return b;
    };
    const Hand windowed = build(5, 5), cropped = build(3, 3);
    const std::vector<uint8_t> input = windowed.input(5);
    // The cropped graph's input: rows 1..3, columns 2..4 of x, then u and v as they are.
    std::vector<uint8_t> croppedInput;
    for (int y = 1; y < 4; ++y)
        croppedInput.insert(croppedInput.end(), input.begin() + (y * 5 + 2) * C, input.begin() + (y * 5 + 5) * C);
    croppedInput.insert(croppedInput.end(), input.begin() + 25 * C, input.end());
    const std::vector<uint8_t> expected = referenceRun(cropped.g, croppedInput);
    QCOMPARE(expected.size(), size_t(9 * C));

    const LegalGraph lg = makeLegalGraph(windowed.g);
    auto m = analyzeMemory(lg, storedOrder(lg), MemoryOptions{});
    QVERIFY(m.ok());
    QCOMPARE(m->inplace.size(), size_t(1)); // the second ADD over a
    QCOMPARE(m->inplace[0].operand, 1);
    for (const std::string& p : plannerNames()) {
        auto planner = createPlanner(p);
        const ArenaPlan plan = planArena(*m, *planner);
        ArenaExecOptions o;
        o.windows[{1, 0}] = OperandWindow{5, 5, 1, 2, 3, 3};
        const ArenaRun run = runInArena(lg, *m, plan, input, o);
        QVERIFY2(run.ok(), firstError(run.diagnostics).c_str());
        QCOMPARE(run.inplace.size(), size_t(1));
        QVERIFY2(run.outputs == expected, p.c_str());
        // Another origin reads other bytes.
        o.windows[{1, 0}] = OperandWindow{5, 5, 0, 0, 3, 3};
        QVERIFY(runInArena(lg, *m, plan, input, o).outputs != expected);
        // The in-place operand as a window: no kernel contract covers it.
        ArenaExecOptions inplaceWindow;
        inplaceWindow.windows[{1, 0}] = OperandWindow{5, 5, 1, 2, 3, 3};
        inplaceWindow.windows[{1, 1}] = OperandWindow{3, 3, 0, 0, 3, 3};
        const ArenaRun refused = runInArena(lg, *m, plan, input, inplaceWindow);
        QVERIFY(!refused.ok());
        QVERIFY2(QString::fromStdString(firstError(refused.diagnostics)).contains("over a window"),
                 firstError(refused.diagnostics).c_str());
        ArenaExecOptions outside;
        outside.windows[{1, 0}] = OperandWindow{5, 5, 3, 3, 3, 3};
        const ArenaRun bad = runInArena(lg, *m, plan, input, outside);
        QVERIFY(!bad.ok());
        QVERIFY2(QString::fromStdString(firstError(bad.diagnostics)).contains("lie outside the 5x5 map"),
                 firstError(bad.diagnostics).c_str());
    }
}

QTEST_GUILESS_MAIN(TestArena)
#include "tst_arena.moc"
