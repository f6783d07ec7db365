// Patch-based scheduling: hand-computed receptive fields, tiles, valid splits, the issue's figures,
// the execution proof on every Pareto candidate of the shared CNNs and the demo model — each patch
// schedule runs as laid out, in one arena of its peak bytes (patch layouts at their base, strided
// windows into the stitched split tensor, stage 2 after it), byte-identical to the whole-tensor run —
// the residual case (a window inside a larger stored region), the input resident and streamed,
// negative controls, TFLM's golden output through `run --schedule`, and the schedule document.

#include "model/demo_model.h"
#include "model/shapes.h"
#include "model/tflite_export.h"
#include "model/tflite_import.h"
#include "pipeline/pipeline.h"
#include "schedule/patch.h"
#include "schedule/patch_exec.h"
#include "schedule/schedule_doc.h"
#include "synthchain.h"
#include "synthmodels.h"
#include "testsupport.h"

#include <QElapsedTimer>
#include <QProcess>
#include <QTemporaryDir>

#include <algorithm>
#include <cstring>
#include <memory>

using namespace ts;
using synth::Chain;
using synth::syntheticChain;

Q_DECLARE_METATYPE(Region)
Q_DECLARE_METATYPE(ExplicitPad)
Q_DECLARE_METATYPE(std::vector<int32_t>)

namespace {

// One window op on an int8 [1,h,w,c] input.
struct OneOp {
    Graph g;
    Op op;
};

OneOp windowOp(OpKind kind, int h, int w, int k, int stride, Padding padding, ExplicitPad extra = {})
{
    static const std::vector<uint8_t> zeros(4096, 0);
    OneOp o;
    Tensor x;
    x.shape = {1, h, w, 2};
    x.dtype = DType::Int8;
    o.g.tensors.push_back(x);
    Tensor wt;
    wt.shape = kind == OpKind::Conv2D ? std::vector<int32_t>{2, k, k, 2} : std::vector<int32_t>{1, k, k, 2};
    wt.dtype = DType::Int8;
    wt.data = ByteView{zeros.data(), size_t(k * k * 4)};
    o.g.tensors.push_back(wt);
    Tensor y = x;
    const int eh = h + extra.top + extra.bottom, ew = w + extra.left + extra.right;
    y.shape = {1, windowOutputSize(eh, k, stride, 1, padding), windowOutputSize(ew, k, stride, 1, padding), 2};
    o.g.tensors.push_back(y);
    o.op.kind = kind;
    o.op.outputs = {2};
    if (kind == OpKind::AveragePool2D) {
        o.op.inputs = {0};
        Pool2DOptions p;
        p.padding = padding;
        p.strideH = p.strideW = stride;
        p.filterH = p.filterW = k;
        o.op.options = p;
    } else if (kind == OpKind::Conv2D) {
        o.op.inputs = {0, 1};
        Conv2DOptions c;
        c.padding = padding;
        c.strideH = c.strideW = stride;
        c.pad = extra;
        o.op.options = c;
    } else {
        o.op.inputs = {0, 1};
        DepthwiseConv2DOptions d;
        d.padding = padding;
        d.strideH = d.strideW = stride;
        d.pad = extra;
        o.op.options = d;
    }
    return o;
}

LegalGraph legalOf(const QString& name)
{
    auto m = importTfliteFile(tstest::modelPath(name).toStdString());
    LegalizeOptions lo;
    lo.quantizedIo = true;
    return m.ok() ? legalize(*m, lo) : LegalGraph{};
}

} // namespace

class TestPatch : public QObject {
    Q_OBJECT
private slots:
    void receptiveField_data();
    void receptiveField();
    void tiles();
    void hugeStrideIsNotPatchable();
    void syntheticChainByHand();
    void nonSpatialPrefixByHand();
    void nonSpatialPrefixThroughPipeline();
    void validSplitsOfVww();
    void issueFigures_data();
    void issueFigures();
    void inputResidentCostsTheFrame();
    void searchRecommends();
    void proofOnParetoFronts_data();
    void proofOnParetoFronts();
    void negativeControl();
    void residualWindows_data();
    void residualWindows();
    void layoutOnTheSplitTensorFails();
    void goldenThroughRunSchedule();
    void scheduleDocument();
};

void TestPatch::receptiveField_data()
{
    QTest::addColumn<int>("kind");
    QTest::addColumn<int>("size");
    QTest::addColumn<int>("kernel");
    QTest::addColumn<int>("stride");
    QTest::addColumn<int>("padding");
    QTest::addColumn<int>("explicitPad");
    QTest::addColumn<Region>("out");
    QTest::addColumn<Region>("in");
    QTest::addColumn<ExplicitPad>("pad");
    const int dw = int(OpKind::DepthwiseConv2D), conv = int(OpKind::Conv2D), pool = int(OpKind::AveragePool2D);
    const int same = int(Padding::Same), valid = int(Padding::Valid);
    // 3×3 stride 1 SAME (pad 1 each side) on 8×8: rows 2..3 need 1..4; columns 0..2 need 0..3 plus
    // one padded column on the left (the true image border).
    QTest::newRow("3x3 s1 interior rows, left border") << dw << 8 << 3 << 1 << same << 0 << Region{2, 4, 0, 3}
                                                       << Region{1, 5, 0, 4} << ExplicitPad{0, 0, 1, 0};
    // 3×3 stride 2 SAME on 8×8 → 4×4; TFLite pads 0 on top, 1 at the bottom.
    QTest::newRow("3x3 s2 top half") << conv << 8 << 3 << 2 << same << 0 << Region{0, 2, 0, 4} << Region{0, 5, 0, 8}
                                     << ExplicitPad{0, 0, 0, 1};
    QTest::newRow("3x3 s2 bottom half") << conv << 8 << 3 << 2 << same << 0 << Region{2, 4, 0, 4}
                                        << Region{4, 8, 0, 8} << ExplicitPad{0, 1, 0, 1};
    // 5×5 stride 1 with 2 rows/cols of explicit (folded PAD) padding on 10×10.
    QTest::newRow("5x5 s1 explicit pad, top-left") << dw << 10 << 5 << 1 << valid << 2 << Region{0, 3, 0, 3}
                                                   << Region{0, 5, 0, 5} << ExplicitPad{2, 0, 2, 0};
    QTest::newRow("5x5 s1 explicit pad, bottom-right") << dw << 10 << 5 << 1 << valid << 2 << Region{8, 10, 8, 10}
                                                       << Region{6, 10, 6, 10} << ExplicitPad{0, 2, 0, 2};
    QTest::newRow("5x5 s1 interior") << dw << 10 << 5 << 1 << valid << 2 << Region{4, 6, 4, 6} << Region{2, 8, 2, 8}
                                     << ExplicitPad{};
    // 2×2 stride 2 VALID average pool on 8×8 → 4×4.
    QTest::newRow("avg pool 2x2 s2") << pool << 8 << 2 << 2 << valid << 0 << Region{1, 3, 2, 4} << Region{2, 6, 4, 8}
                                     << ExplicitPad{};
}

void TestPatch::receptiveField()
{
    QFETCH(int, kind);
    QFETCH(int, size);
    QFETCH(int, kernel);
    QFETCH(int, stride);
    QFETCH(int, padding);
    QFETCH(int, explicitPad);
    QFETCH(Region, out);
    QFETCH(Region, in);
    QFETCH(ExplicitPad, pad);
    const ExplicitPad extra{explicitPad, explicitPad, explicitPad, explicitPad};
    const OneOp o = windowOp(OpKind(kind), size, size, kernel, stride, Padding(padding), extra);
    QVERIFY(isPatchableOp(o.g, o.op));
    const auto need = inputNeed(o.g, o.op, out, 0);
    QVERIFY(need);
    QVERIFY2(need->in == in, qPrintable(QString("got rows %1..%2 cols %3..%4")
                                            .arg(need->in.y0).arg(need->in.y1).arg(need->in.x0).arg(need->in.x1)));
    QVERIFY2(need->pad == pad, qPrintable(QString("got pad %1/%2/%3/%4")
                                              .arg(need->pad.top).arg(need->pad.bottom).arg(need->pad.left).arg(need->pad.right)));
}

// fuzz_pipeline (UBSan, 30-minute run): a window whose stored output shape disagrees with its
// options (an import warning) made the receptive-field arithmetic overflow int (176 × stride
// 16777217). Its rows are now computed in 64 bits: beyond 2^30 the window has no patch region and
// the op is not patchable, so no split runs through it.
void TestPatch::hugeStrideIsNotPatchable()
{
    OneOp o = windowOp(OpKind::DepthwiseConv2D, 8, 8, 3, 1, Padding::Valid);
    auto& opt = std::get<DepthwiseConv2DOptions>(o.op.options);
    opt.strideH = 16777217;
    o.g.tensors[2].shape = {1, 200, 6, 2}; // stored, not what the options give
    QVERIFY(!inputNeed(o.g, o.op, Region{176, 177, 0, 6}, 0).has_value());
    QVERIFY(!isPatchableOp(o.g, o.op));
    // A sane stride on the same shapes stays patchable, and a region is clipped to the input map.
    opt.strideH = 1;
    QVERIFY(isPatchableOp(o.g, o.op));
    const auto need = inputNeed(o.g, o.op, Region{3, 4, 0, 6}, 0);
    QVERIFY(need && need->in == (Region{3, 6, 0, 8}));
}

void TestPatch::tiles()
{
    QCOMPARE(tileBounds(20, 3), (std::vector<int>{0, 6, 13, 20}));
    QCOMPARE(tileBounds(28, 4), (std::vector<int>{0, 7, 14, 21, 28}));
    QCOMPARE(tileBounds(5, 1), (std::vector<int>{0, 5}));
}

// Every figure of a 2×2 patch plan on syntheticChain(), computed by hand (int8, 1 B per element,
// buffers rounded up to 16 B, no in-place, input streamed per patch):
//   split [1,4,4,2], tiles rows/cols {0,2,4}. Patch (0,0) = split rows 0-1, cols 0-1:
//     op 1 (3×3 stride 2 SAME on 8 → 4: padding (4−1)·2 + 3 − 8 = 1, 0 before, 1 after) needs mid
//       rows 2·0 .. 2·1+2 = [0,5), cols [0,5): 5·5·2 = 50 B → 64;
//     op 0 (3×3 stride 1 SAME, 1 each side) needs input rows [−1,6) → [0,6) with 1 padded row on
//       top, likewise columns: 6·6·2 = 72 B → 80.
//   Patch (1,1): mid rows [4,9) → [4,8) (1 padded row below), input rows [3,9) → [3,8): smaller.
//   Per-patch plan of patch (0,0): step 0 holds the input's 80 + mid's 64 = 144 B, step 1 mid's 64
//     (the split tensor is resident, counted once): 144. Stage 1 = split 32 + 144 = 176.
//   Stage 2: split 32 + output (2 B → 16) = 48. Peak = max(176, 48) = 176.
//   Without patches: step 0 holds input 128 + mid 128 = 256.
//   MACs (9 per output element of a 3×3 depthwise): stage 1 whole 8·8·2·9 + 4·4·2·9 = 1,440; patched,
//     op 0 computes mid regions 5×5 + 5×4 + 4×5 + 4×4 = 81 pixels instead of 64: (81 − 64)·2·9 = 306
//     extra, 306 / 1,440 = 21.25 % of the whole network (the pool counts no MACs).
void TestPatch::syntheticChainByHand()
{
    const Chain c = syntheticChain();
    const LegalGraph lg = makeLegalGraph(c.g);
    const auto order = storedOrder(lg);
    const auto splits = validSplits(lg, order);
    QVERIFY(std::any_of(splits.begin(), splits.end(), [&c](const SplitPoint& s) { return s.tensor == c.split; }));
    PatchOptions o;
    o.memory.setInplace(false);
    auto p = planPatches(lg, order, c.split, 2, 2, o);
    QVERIFY2(p.ok(), firstError(p.diagnostics).c_str());
    QCOMPARE(int(p->patches.size()), 4);
    QVERIFY(p->patches[0] == (Region{0, 2, 0, 2}));
    QVERIFY(p->patches[3] == (Region{2, 4, 2, 4}));
    QVERIFY(p->regions[0].at(c.mid) == (Region{0, 5, 0, 5}));
    QVERIFY(p->regions[0].at(c.input) == (Region{0, 6, 0, 6}));
    QVERIFY(p->regions[3].at(c.mid) == (Region{4, 8, 4, 8}));
    QVERIFY(p->regions[3].at(c.input) == (Region{3, 8, 3, 8}));
    QCOMPARE(p->inputPatchH, 6);
    QCOMPARE(p->inputPatchW, 6);
    QCOMPARE(p->stage1Peak, int64_t(176));
    QCOMPARE(p->stage2Peak, int64_t(48));
    QCOMPARE(p->peak, int64_t(176));
    QCOMPARE(p->wholePeak, int64_t(256));
    QCOMPARE(p->totalMacs, int64_t(1440));
    QCOMPARE(p->extraMacs, int64_t(306));
    QVERIFY(qAbs(p->extraMacsPercent - 21.25) < 1e-9);
    // And the patched run reproduces the whole-tensor run.
    for (uint32_t seed : {1u, 2u}) {
        const PatchProof proof = provePatchPlan(lg, order, *p, goldenInput(lg.graph, seed));
        QVERIFY2(proof.identical, proof.detail.c_str());
    }
    // The same with the input frame resident in the arena (read through windows at inputOffset).
    o.inputResident = true;
    auto r = planPatches(lg, order, c.split, 2, 2, o);
    QVERIFY2(r.ok(), firstError(r.diagnostics).c_str());
    QVERIFY(r->inputOffset >= 0);
    const PatchProof resident = provePatchPlan(lg, order, *r, goldenInput(lg.graph, 1));
    QVERIFY2(resident.identical, resident.detail.c_str());
}

// The same chain behind an NCHW input and a TRANSPOSE (not spatial: every output pixel reads a
// column of the input across channels), run whole as stage 0 before the patches. By hand (int8,
// 16 B alignment, no in-place, 2×2 patches):
//   stage 0: the NCHW input 128 B + the transposed map 128 B live together at the TRANSPOSE: 256.
//   stage 1: the transposed map is held whole (128), the split tensor 32, and patch (0,0)'s layout
//     holds only mid's 5×5×2 = 50 → 64 B (the map it reads is outside the layout): 224.
//   stage 2: 48 as before. Peak max(256, 224, 48) = 256.
//   Per step while the largest patch runs: the TRANSPOSE 256, then 160 + 64 = 224 twice.
//   Without patches: TRANSPOSE 128 + 128, DEPTHWISE 1 128 + 128: 256. MACs as in the plain chain.
void TestPatch::nonSpatialPrefixByHand()
{
    const Chain c = syntheticChain(true);
    const LegalGraph lg = makeLegalGraph(c.g);
    const auto order = storedOrder(lg);
    const auto splits = validSplits(lg, order);
    QCOMPARE(int(splits.size()), 2); // after each depthwise
    for (const SplitPoint& s : splits) {
        QCOMPARE(s.prefix, 1);
        QCOMPARE(s.source, c.input);
    }
    QCOMPARE(splits.back().tensor, c.split);
    PatchOptions o;
    o.memory.setInplace(false);
    auto p = planPatches(lg, order, c.split, 2, 2, o);
    QVERIFY2(p.ok(), firstError(p.diagnostics).c_str());
    QVERIFY(p->stage0.has_value());
    QCOMPARE(p->stage0Peak, int64_t(256));
    QCOMPARE(p->stage1Peak, int64_t(224));
    QCOMPARE(p->stage2Peak, int64_t(48));
    QCOMPARE(p->peak, int64_t(256));
    QCOMPARE(p->wholePeak, int64_t(256));
    QVERIFY(p->inputOffset >= 0);
    QCOMPARE(p->totalMacs, int64_t(1440));
    QCOMPARE(p->extraMacs, int64_t(306));
    QVERIFY(p->regions[0].at(c.input) == (Region{0, 6, 0, 6}));
    QCOMPARE(stage1WorkingSets(lg, order, *p, o), (std::vector<int64_t>{256, 224, 224}));
    // Executed as laid out: stage 0 in the arena, its output moved to where stage 1 reads it.
    for (bool inplace : {false, true}) {
        o.memory.setInplace(inplace);
        auto q = planPatches(lg, order, c.split, 2, 2, o);
        QVERIFY2(q.ok(), firstError(q.diagnostics).c_str());
        for (uint32_t seed : {1u, 2u}) {
            const PatchProof proof = provePatchPlan(lg, order, *q, goldenInput(lg.graph, seed));
            QVERIFY2(proof.identical, proof.detail.c_str());
        }
    }
    // Negative control: stage 0 leaving its output one byte off where the plan says.
    PatchPlan wrong = *p;
    wrong.stage0SourceOffset += 1;
    const PatchProof bad = provePatchPlan(lg, order, wrong, goldenInput(lg.graph, 1));
    QVERIFY(!bad.identical);
    QVERIFY2(QString::fromStdString(bad.detail).contains("stage 0"), bad.detail.c_str());
    // A search finds the schedules and counts stage 0 in every peak.
    auto search = searchPatches(lg, order, o, 1 << 20);
    QVERIFY2(search.ok(), firstError(search.diagnostics).c_str());
    QVERIFY(!search->pareto.empty());
    for (const PatchPlan& e : search->pareto)
        QVERIFY(e.peak >= e.stage0Peak && e.stage0Peak > 0);
}

// The one pipeline call and the CLI on a PyTorch-style NCHW model (synth::nchwNet()): the whole
// graph peaks at the 3×3 conv: 16·16·3 + 16·16·8 = 2,816 B (a conv never runs in place) plus its
// im2col scratch of 2 output pixels × 3·3·3 taps × 2 B (int16) = 108 → 112 B aligned: 2,928 B. Stage 0 is the
// TRANSPOSE (768 + 768 = 1,536 B); a 2×2 patch schedule at the depthwise output must report
// max(stage 0, stage 1, stage 2) and run as laid out.
void TestPatch::nonSpatialPrefixThroughPipeline()
{
    const Model model = synth::nchwNet();
    Session doc = documentFor(model, "stm32f746g-disco");
    auto whole = runPipeline(model, doc, tstest::boards());
    QVERIFY2(whole.ok(), firstError(whole.diagnostics).c_str());
    QCOMPARE((*whole)->peakBytes, int64_t(2816 + 112));
    QVERIFY(!(*whole)->splits.empty());
    const SplitPoint s = (*whole)->splits.back();
    QCOMPARE(s.shape, (std::vector<int32_t>{1, 8, 8, 8}));
    QCOMPARE(s.prefix, 1);
    doc.schedule.patch = PatchStage{s.tensor, 2, 2, false};
    auto patched = runPipeline(model, doc, tstest::boards());
    QVERIFY2(patched.ok(), firstError(patched.diagnostics).c_str());
    const PatchPlan& p = *(*patched)->patch;
    QCOMPARE(p.stage0Peak, int64_t(1536));
    QCOMPARE((*patched)->peakBytes, std::max({p.stage0Peak, p.stage1Peak, p.stage2Peak}));
    QVERIFY((*patched)->peakBytes < 2816 + 112);
    const QJsonObject json = pipelineJson(**patched);
    QCOMPARE(json["stage0_ops"].toInt(), 1);
    QCOMPARE(json["stage0_peak_bytes"].toInteger(), qint64(1536));
    QVERIFY(json["patch_arena"].toObject().contains("stage0"));
    const LegalGraph& lg = (*patched)->legal();
    const PatchProof proof = provePatchPlan(lg, (*patched)->analysis.memory.order, p, goldenInput(lg.graph, 3));
    QVERIFY2(proof.identical, proof.detail.c_str());

    // The CLI says so too.
    QTemporaryDir dir;
    const QString file = dir.filePath("nchw.tflite");
    QVERIFY(writeTfliteFile(model, file.toStdString()).empty());
    QProcess cli;
    cli.start(QString::fromUtf8(TINYSTUDIO_CLI), {"schedule", file, "--board", "stm32f746g-disco", "--split", QString::number(s.tensor),
                                  "--patches", "2x2"});
    QVERIFY(cli.waitForFinished(60000));
    const QString out = QString::fromUtf8(cli.readAllStandardOutput());
    QVERIFY2(cli.exitCode() == 0, qPrintable(out + cli.readAllStandardError()));
    QVERIFY2(out.contains("stage 0    the first 1 op(s) are not spatial") && out.contains("stage 0 1,536 B"), qPrintable(out));
    // The split is named by its layer, as in the studio: op 2 of nchwNet() is the depthwise.
    QVERIFY2(out.contains("split      #2 DEPTHWISE_CONV_2D: tensor"), qPrintable(out));
}

void TestPatch::validSplitsOfVww()
{
    TS_REQUIRE_MODEL(tstest::modelPath("tinyengine_vww"));
    const LegalGraph lg = legalOf("tinyengine_vww");
    const auto splits = validSplits(lg, storedOrder(lg));
    QVERIFY(splits.size() > 5);
    bool sawEarly20 = false;
    for (const auto& s : splits) {
        QCOMPARE(s.shape.size(), size_t(4));
        // Inside a residual block (between the expand conv and the ADD) two tensors cross: never a split.
        sawEarly20 |= s.tensor == 121 && s.shape == std::vector<int32_t>{1, 20, 20, 16};
    }
    QVERIFY(sawEarly20);
    // A tensor inside a residual block is rejected with the list of valid splits.
    auto bad = planPatches(lg, storedOrder(lg), lg.graph.ops[7].outputs[0], 2, 2, PatchOptions{});
    QVERIFY(!bad.ok());
    QVERIFY(QString::fromStdString(firstError(bad.diagnostics)).contains("valid splits: "));
    auto grid = planPatches(lg, storedOrder(lg), 121, 21, 2, PatchOptions{});
    QVERIFY(!grid.ok());
    QVERIFY(QString::fromStdString(firstError(grid.diagnostics)).contains("does not fit the 20x20 split tensor"));
}

void TestPatch::issueFigures_data()
{
    QTest::addColumn<QString>("name");
    QTest::addColumn<int>("split");
    QTest::addColumn<std::vector<int32_t>>("shape");
    QTest::addColumn<int>("n");
    QTest::addColumn<double>("maxKiB");
    QTest::addColumn<double>("maxExtraPercent");
    // int8 body, in-place on (1 KiB = 1024 B).
    QTest::newRow("vww 2x2 at 20x20x16") << "tinyengine_vww" << 121 << std::vector<int32_t>{1, 20, 20, 16} << 2 << 30.4 << 1.5;
    QTest::newRow("vww 3x3 at 20x20x16") << "tinyengine_vww" << 121 << std::vector<int32_t>{1, 20, 20, 16} << 3 << 25.4 << 3.0;
    // The issue asks for <= +3.0 %: the exact recompute is +3.02 % (3.0 to one decimal).
    QTest::newRow("mcunetv2 4x4 at 28x28x96") << "tinyengine_mcunetv2_large" << 207 << std::vector<int32_t>{1, 28, 28, 96}
                                              << 4 << 221.2 << 3.05;
    QTest::newRow("mcunetv2 3x3 at 28x28x40") << "tinyengine_mcunetv2_large" << 7 << std::vector<int32_t>{1, 28, 28, 40}
                                              << 3 << 232.9 << 2.0;
}

void TestPatch::issueFigures()
{
    QFETCH(QString, name);
    QFETCH(int, split);
    QFETCH(std::vector<int32_t>, shape);
    QFETCH(int, n);
    QFETCH(double, maxKiB);
    QFETCH(double, maxExtraPercent);
    TS_REQUIRE_MODEL(tstest::modelPath(name));
    const LegalGraph lg = legalOf(name);
    auto p = planPatches(lg, storedOrder(lg), split, n, n, PatchOptions{});
    QVERIFY2(p.ok(), firstError(p.diagnostics).c_str());
    QCOMPARE(p->split.shape, shape);
    const double kib = double(p->peak) / 1024.0;
    QVERIFY2(kib <= maxKiB, qPrintable(QString("%1 KiB").arg(kib)));
    QVERIFY2(p->extraMacsPercent <= maxExtraPercent, qPrintable(QString("+%1 %").arg(p->extraMacsPercent)));
    QVERIFY(p->extraMacs > 0);
    QVERIFY(p->peak < p->wholePeak);
    QCOMPARE(p->peak, std::max(p->stage1Peak, p->stage2Peak));
    QCOMPARE(int(p->patches.size()), n * n);
}

void TestPatch::inputResidentCostsTheFrame()
{
    TS_REQUIRE_MODEL(tstest::modelPath("tinyengine_vww"));
    const LegalGraph lg = legalOf("tinyengine_vww");
    PatchOptions streamed, resident;
    resident.inputResident = true;
    auto a = planPatches(lg, storedOrder(lg), 121, 2, 2, streamed);
    auto b = planPatches(lg, storedOrder(lg), 121, 2, 2, resident);
    QVERIFY(a.ok() && b.ok());
    // The largest input patch by hand: split t121 = op 8's [1,20,20,16]; the bottom patch rows
    // [10,20) need, back through op 7 (3×3 depthwise stride 2 on the PAD-ed 42 rows) padded rows
    // [20, 19·2+3) = [20,41) = rows [19,40) of the 40; op 5 and op 4 (1×1) the same; op 3 (3×3
    // stride 1, SAME) [18,41) → [18,40); op 2 (3×3 stride 2 on the PAD-ed 82 rows) padded [36,81)
    // = image rows [35,80): 45 rows. (The top patch needs rows [0,42): 42.) Columns likewise.
    QCOMPARE(a->inputPatchH, 45);
    QCOMPARE(a->inputPatchW, 45);
    // The 80×80×3 frame stays in SRAM: stage 1 grows by at least the frame minus the streamed
    // patch (45·45·3 = 6,075 B, 6,080 with 16-byte alignment).
    QVERIFY(b->stage1Peak >= a->stage1Peak + 80 * 80 * 3 - 6080);
}

void TestPatch::searchRecommends()
{
    TS_REQUIRE_MODEL(tstest::modelPath("tinyengine_vww"));
    const LegalGraph lg = legalOf("tinyengine_vww");
    // A budget of 32 KiB: the least extra MACs among the front's plans that fit.
    auto r = searchPatches(lg, storedOrder(lg), PatchOptions{}, 32 * 1024);
    QVERIFY(r.ok());
    QVERIFY(r->evaluated > 100);
    QVERIFY(r->recommended >= 0);
    const PatchPlan& rec = r->pareto[size_t(r->recommended)];
    QVERIFY(rec.peak <= 32 * 1024);
    for (const auto& p : r->pareto)
        if (p.peak <= 32 * 1024)
            QVERIFY(p.extraMacs >= rec.extraMacs);
    // The front is non-dominated and sorted by peak.
    for (size_t i = 1; i < r->pareto.size(); ++i) {
        QVERIFY(r->pareto[i].peak >= r->pareto[i - 1].peak);
        QVERIFY(r->pareto[i].extraMacs < r->pareto[i - 1].extraMacs);
    }
    // A budget nothing meets: the smallest peak whose recomputation stays within the cap (10 %
    // by default) — never a +44 % schedule to save a few KiB unless the cap is lifted.
    auto tiny = searchPatches(lg, storedOrder(lg), PatchOptions{}, 1024);
    QVERIFY(tiny->recommended >= 0);
    const PatchPlan& capped = tiny->pareto[size_t(tiny->recommended)];
    QVERIFY2(capped.extraMacsPercent <= 10.0, qPrintable(QString::number(capped.extraMacsPercent)));
    for (const auto& p : tiny->pareto)
        if (p.extraMacsPercent <= 10.0)
            QVERIFY(p.peak >= capped.peak);
    QVERIFY(tiny->pareto.front().extraMacsPercent > 10.0); // so the cap did change the choice here
    auto uncapped = searchPatches(lg, storedOrder(lg), PatchOptions{}, 1024, 8, 1000.0);
    QCOMPARE(uncapped->recommended, 0);
    // Inside the budget the cap applies too: the least recomputation that fits and is under it.
    auto strict = searchPatches(lg, storedOrder(lg), PatchOptions{}, 32 * 1024, 8, 0.0);
    QVERIFY(strict->pareto[size_t(strict->recommended)].extraMacs == 0);
}

void TestPatch::proofOnParetoFronts_data()
{
    QTest::addColumn<QString>("name");
    QTest::newRow("demo") << QString();
    for (const char* n : {"tflm_person_detect", "tinyengine_vww", "tinyengine_mcunetv2_large"})
        QTest::newRow(n) << QString(n);
}

// Every Pareto candidate, run patch by patch on the reference interpreter with seeded inputs,
// gives the split tensor and the outputs byte for byte as the whole-tensor run.
void TestPatch::proofOnParetoFronts()
{
    QFETCH(QString, name);
    LegalGraph lg;
    if (name.isEmpty()) {
        lg = legalize(buildDemoModel(), LegalizeOptions{});
    } else {
        TS_REQUIRE_MODEL(tstest::modelPath(name));
        lg = legalOf(name);
    }
    const auto order = storedOrder(lg);
    auto search = searchPatches(lg, order, PatchOptions{}, 1 << 30);
    QVERIFY(search.ok());
    QVERIFY(search->pareto.size() >= 2);
    QElapsedTimer timer;
    timer.start();
    int inplaceSteps = 0, tileCopies = 0;
    for (const auto& candidate : search->pareto) {
        auto plan = planPatches(lg, order, candidate.split.tensor, candidate.nh, candidate.nw, PatchOptions{});
        QVERIFY(plan.ok());
        for (uint32_t seed : {1u, 2u}) {
            const PatchProof proof = provePatchPlan(lg, order, *plan, goldenInput(lg.graph, seed));
            QVERIFY2(proof.identical, qPrintable(QString("split %1 %2x%3 seed %4: %5")
                                                     .arg(candidate.split.tensor).arg(candidate.nh).arg(candidate.nw)
                                                     .arg(seed).arg(QString::fromStdString(proof.detail))));
            inplaceSteps += proof.inplaceSteps;
            tileCopies += proof.tileCopies;
            if (name == "tinyengine_mcunetv2_large")
                break; // one seed: the model is large and its outputs saturate (golden README)
        }
    }
    qInfo("%d Pareto candidates proved in the arena in %lld ms (%d in-place steps, %d split tiles held in a patch layout)",
          int(search->pareto.size()), timer.elapsed(), inplaceSteps, tileCopies);
    QVERIFY(inplaceSteps > 0); // in-place kernels ran on the planned bytes, in patch layouts and stage 2
}

// The proof can fail: a record whose halo is one row short is refused, a tile written at another
// patch's place gives different bytes.
void TestPatch::negativeControl()
{
    TS_REQUIRE_MODEL(tstest::modelPath("tinyengine_vww"));
    const LegalGraph lg = legalOf("tinyengine_vww");
    const auto order = storedOrder(lg);
    auto plan = planPatches(lg, order, 121, 2, 2, PatchOptions{});
    QVERIFY(plan.ok());
    // Patch 0 holds one input row fewer than its first op reads.
    PatchPlan broken = *plan;
    const int input = lg.graph.inputs[0];
    for (PatchOp& po : broken.ops[0])
        for (PatchOperand& o : po.inputs)
            if (o.tensor == input)
                o.stored.y1 -= 1;
    const PatchProof proof = provePatchPlan(lg, order, broken, goldenInput(lg.graph, 1));
    QVERIFY(!proof.identical);
    QVERIFY2(QString::fromStdString(proof.detail).contains("but the plan holds rows"), proof.detail.c_str());
    // A plan made for another order (here: a split one step earlier) is refused by name.
    PatchPlan otherOrder = *plan;
    otherOrder.split.step -= 1;
    const PatchProof refused = provePatchPlan(lg, order, otherOrder, goldenInput(lg.graph, 1));
    QVERIFY(!refused.identical);
    QVERIFY2(QString::fromStdString(refused.detail).contains("not a stage-1 op of this order"), refused.detail.c_str());
    // A plan that covers every read but writes patch 0's tile at patch 3's place: the bytes differ.
    PatchPlan misplaced = *plan;
    auto& last0 = misplaced.ops[0].back().output;
    auto& last3 = misplaced.ops[3].back().output;
    QCOMPARE(last0.tensor, 121);
    std::swap(last0.window, last3.window);
    if (!(last0.stored == misplaced.patches[0])) // the tile goes straight into the split tensor
        QVERIFY(last0.stored == (Region{0, 20, 0, 20}));
    else
        std::swap(last0.stored, last3.stored); // the layout holds the tile: copy it to the wrong place
    const PatchProof differs = provePatchPlan(lg, order, misplaced, goldenInput(lg.graph, 1));
    QVERIFY(!differs.identical);
    QVERIFY2(QString::fromStdString(differs.detail).contains("split tensor"), differs.detail.c_str());
}

void TestPatch::residualWindows_data()
{
    QTest::addColumn<int>("split");
    QTest::addColumn<int>("n");
    QTest::addColumn<bool>("resident");
    for (bool resident : {false, true}) {
        const char* r = resident ? "input resident" : "input streamed";
        QTest::newRow(qPrintable(QString("vww split 35 2x2, %1").arg(r))) << 35 << 2 << resident;
        QTest::newRow(qPrintable(QString("vww split 35 3x3, %1").arg(r))) << 35 << 3 << resident;
        QTest::newRow(qPrintable(QString("vww split 121 2x2, %1").arg(r))) << 121 << 2 << resident;
    }
}

// vww split at tensor 35 (step 9) contains a residual block: the ADD's skip input is stored as the
// union of what its consumers need (the expand conv needs a halo the ADD does not), so the ADD reads
// a window inside a larger stored region. Recorded, executed in the arena, byte-identical.
void TestPatch::residualWindows()
{
    QFETCH(int, split);
    QFETCH(int, n);
    QFETCH(bool, resident);
    TS_REQUIRE_MODEL(tstest::modelPath("tinyengine_vww"));
    const LegalGraph lg = legalOf("tinyengine_vww");
    const auto order = storedOrder(lg);
    PatchOptions po;
    po.inputResident = resident;
    auto plan = planPatches(lg, order, split, n, n, po);
    QVERIFY2(plan.ok(), firstError(plan.diagnostics).c_str());
    QCOMPARE(int(plan->ops.size()), n * n);
    QCOMPARE(plan->inputOffset >= 0, resident);
    bool sawInnerWindow = false;
    for (size_t p = 0; p < plan->ops.size(); ++p)
        for (const PatchOp& op : plan->ops[p])
            for (const PatchOperand& o : op.inputs) {
                if (o.tensor < 0)
                    continue;
                QVERIFY(o.window.y0 >= o.stored.y0 && o.window.y1 <= o.stored.y1);
                QVERIFY(o.window.x0 >= o.stored.x0 && o.window.x1 <= o.stored.x1);
                sawInnerWindow |= lg.graph.ops[size_t(op.op)].kind == OpKind::Add && !o.whole();
                if (resident && o.tensor == lg.graph.inputs[0])
                    QVERIFY(o.stored == (Region{0, 80, 0, 80})); // the frame stays whole in the arena
            }
    if (split == 35) {
        QVERIFY(sawInnerWindow);
        if (n == 2) {
            // Patch 0,0: the ADD writes the 10x10 tile; its skip input is held 11x11 (the expand
            // conv before it needs one more row and column), read from origin 0,0 with a 11·16-byte pitch.
            const PatchOp& add = plan->ops[0].back();
            QCOMPARE(int(add.exec.kind), int(OpKind::Add));
            QVERIFY(add.output.window == (Region{0, 10, 0, 10}));
            bool found = false;
            for (const PatchOperand& o : add.inputs)
                if (!o.whole()) {
                    found = true;
                    QVERIFY2(o.stored == (Region{0, 11, 0, 11}), qPrintable(QString("stored %1x%2").arg(o.stored.h()).arg(o.stored.w())));
                    QVERIFY(o.window == (Region{0, 10, 0, 10}));
                    QCOMPARE(rowPitch(lg.graph, o), int64_t(11 * 16));
                    const OperandPlace at = placeOperand(lg.graph, *plan, 0, o);
                    QVERIFY(at.stored >= plan->patchLayouts[size_t(plan->patchLayoutOf[0])].base);
                    QCOMPARE(at.first, at.stored);
                    QCOMPARE(at.rowPitch, int64_t(11 * 16));
                    QCOMPARE(at.rowBytes, int64_t(10 * 16));
                    QCOMPARE(at.rows, 10);
                }
            QVERIFY(found);
            // Patch 0,1's tile of the split tensor: 10 rows of 10·16 bytes from column 10 of the
            // 20x20x16 split tensor, rows 20·16 bytes apart (unless the layout holds the tile).
            const PatchOperand& tile = plan->ops[1].back().output;
            QVERIFY(tile.window == (Region{0, 10, 10, 20}));
            const OperandPlace at = placeOperand(lg.graph, *plan, 1, tile);
            if (!tile.whole()) {
                QCOMPARE(at.stored, plan->stage1SplitOffset);
                QCOMPARE(at.first, plan->stage1SplitOffset + 10 * 16);
                QCOMPARE(at.rowPitch, int64_t(20 * 16));
            } else { // the ADD ran in place: its layout holds the tile, copied into the split tensor after the patch
                QVERIFY(tile.stored == tile.window);
                QVERIFY(at.stored >= plan->patchLayouts[size_t(plan->patchLayoutOf[1])].base);
                QCOMPARE(at.rowPitch, int64_t(10 * 16));
            }
            qInfo("patch 0,1 tile %s", tile.whole() ? "held in its layout" : "written into the split tensor");
        }
    }
    for (uint32_t seed : {1u, 2u}) {
        const PatchProof proof = provePatchPlan(lg, order, *plan, goldenInput(lg.graph, seed));
        QVERIFY2(proof.identical, proof.detail.c_str());
    }
}

// A patch layout moved onto the split tensor's bytes: the stitched-layout check refuses it, and
// executed anyway (check off) it clobbers the tiles already written.
void TestPatch::layoutOnTheSplitTensorFails()
{
    TS_REQUIRE_MODEL(tstest::modelPath("tinyengine_vww"));
    const LegalGraph lg = legalOf("tinyengine_vww");
    const auto order = storedOrder(lg);
    for (int split : {121, 35}) {
        auto plan = planPatches(lg, order, split, 2, 2, PatchOptions{});
        QVERIFY(plan.ok());
        QVERIFY(provePatchPlan(lg, order, *plan, goldenInput(lg.graph, 1)).identical);
        PatchPlan moved = *plan;
        for (StageLayout& l : moved.patchLayouts)
            l.base = moved.stage1SplitOffset;
        const PatchProof refused = provePatchPlan(lg, order, moved, goldenInput(lg.graph, 1));
        QVERIFY(!refused.identical);
        QVERIFY2(QString::fromStdString(refused.detail).contains("overlaps the split tensor"), refused.detail.c_str());
        PatchArenaOptions run;
        run.checkLayout = false;
        const PatchProof clobbered = provePatchPlan(lg, order, moved, goldenInput(lg.graph, 1), run);
        QVERIFY(!clobbered.identical);
        qInfo("split %d, layouts on the split tensor: %s", split, clobbered.detail.c_str());
    }
}

// TFLM's output for person_detect, reproduced by `tinystudio-cli run --schedule` with a patch
// schedule (the recommended one and the smallest-peak one, input streamed and resident), run in
// the arena as laid out.
void TestPatch::goldenThroughRunSchedule()
{
    TS_REQUIRE_MODEL(tstest::modelPath("tflm_person_detect"));
    const QString cli = QString::fromUtf8(TINYSTUDIO_CLI);
    if (!QFileInfo::exists(cli))
        QSKIP("tinystudio-cli is not built");
    const QString golden = tstest::sharedDir() + "/golden/tflm_person_detect";
    if (!QFileInfo::exists(golden + "/output_1.bin"))
        QSKIP("no TFLM golden output for person_detect");
    auto model = importTfliteFile(tstest::modelPath("tflm_person_detect").toStdString());
    QVERIFY(model.ok());
    ScheduleDoc doc;
    doc.modelSha256 = model->sha256;
    auto resolved = resolveSchedule(doc, *model);
    QVERIFY(resolved.ok());
    auto search = searchPatches(resolved->legal, resolved->order, PatchOptions{}, 64 * 1024);
    QVERIFY(search.ok() && search->recommended >= 0);
    const PatchPlan& rec = search->pareto[size_t(search->recommended)];
    const PatchPlan& smallest = search->pareto.front();
    QVERIFY(rec.nh * rec.nw > 1 || smallest.nh * smallest.nw > 1);
    QTemporaryDir dir;
    int runs = 0;
    for (const PatchPlan* p : {&rec, &smallest})
        for (bool resident : {false, true}) {
            if (p->nh * p->nw == 1)
                continue;
            doc.patch = PatchStage{p->split.tensor, p->nh, p->nw, resident};
            const QString file = dir.filePath(QString("s%1.json").arg(runs));
            QFile f(file);
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write(scheduleToBytes(doc));
            f.close();
            for (int seed : {1, 2, 3}) {
                const QString out = dir.filePath(QString("out%1_%2.bin").arg(runs).arg(seed));
                QProcess proc;
                proc.start(cli, {"run", tstest::modelPath("tflm_person_detect"), "--input",
                                 golden + QString("/input_%1.bin").arg(seed), "--output", out, "--schedule", file});
                QVERIFY(proc.waitForFinished(120000));
                QVERIFY2(proc.exitCode() == 0, proc.readAllStandardError().constData());
                const auto got = tstest::readBytes(out);
                const auto want = tstest::readBytes(golden + QString("/output_%1.bin").arg(seed));
                QVERIFY(got && want);
                QVERIFY2(*got == *want, qPrintable(QString("split %1 %2x%3 seed %4").arg(p->split.tensor).arg(p->nh).arg(p->nw).arg(seed)));
            }
            ++runs;
        }
    QVERIFY(runs >= 2);
}

void TestPatch::scheduleDocument()
{
    TS_REQUIRE_MODEL(tstest::modelPath("tinyengine_vww"));
    auto model = importTfliteFile(tstest::modelPath("tinyengine_vww").toStdString());
    QVERIFY(model.ok());
    ScheduleDoc doc;
    doc.modelSha256 = model->sha256;
    doc.quantizedIo = true;
    doc.patch = PatchStage{121, 3, 3, false};
    const QByteArray bytes = scheduleToBytes(doc);
    auto back = scheduleFromJson(bytes, "s.json", *model);
    QVERIFY2(back.ok(), firstError(back.diagnostics).c_str());
    QCOMPARE(back->patch->nh, 3);
    QCOMPARE(back->patch->splitTensor, 121);
    QVERIFY(back->quantizedIo);
    auto resolved = resolveSchedule(*back, *model);
    QVERIFY(resolved.ok() && resolved->patch);
    QVERIFY(resolved->patch->peak <= int64_t(25.4 * 1024));

    // A schedule for another model, a bad planner, a bad order, a bad split: each a clear error.
    auto expectError = [&](QByteArray json, const char* what) {
        auto r = scheduleFromJson(json, "s.json", *model);
        QVERIFY2(!r.ok(), what);
        QVERIFY2(QString::fromStdString(firstError(r.diagnostics)).contains(what),
                 qPrintable(QString::fromStdString(firstError(r.diagnostics))));
    };
    QByteArray other = bytes;
    other.replace(QByteArray::fromStdString(model->sha256), "0000");
    expectError(other, "the schedule was made for the model with sha256 0000");
    QByteArray planner = bytes;
    planner.replace("\"hill-climb\"", "\"magic\"");
    expectError(planner, "planner: found 'magic'");
    QByteArray order = bytes;
    order.replace("\"op_order\": [\n    ]", "\"op_order\": [1, 0]");
    expectError(order, "op_order");
    QByteArray split = bytes;
    split.replace("\"split_tensor\": 121", "\"split_tensor\": 5");
    expectError(split, "is not a valid split");
    expectError("{", "not valid JSON");
}

QTEST_GUILESS_MAIN(TestPatch)
#include "tst_patch.moc"
