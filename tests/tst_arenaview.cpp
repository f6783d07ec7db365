// The arena view over real analyses: one rectangle per buffer segment at the plan's offsets, no two
// live rectangles overlapping, the top edge at the plan's peak, clicks mapping to the producing op,
// and selection restyling only. (Render timing is measured by tinystudio-guibench, not here.)

#include "model/demo_model.h"
#include "model/tflite_import.h"
#include "pipeline/analysis.h"
#include "pipeline/pipeline.h"
#include "synthmodels.h"
#include "testsupport.h"
#include "views/arenaview.h"

#include <qcustomplot.h>

#include <QRegularExpression>
#include <QSignalSpy>

#include <optional>

using namespace ts;
using tstest::boards;
using tstest::h743;

namespace {

int64_t totalSegments(const Analysis& a)
{
    int64_t n = 0;
    for (const PlanBuffer& b : a.memory.buffers)
        n += int64_t(b.segments.size());
    return n;
}

// The rectangle of segment k of buffer b, or -1.
int rectOf(const ArenaView& v, int b, int k = 0)
{
    for (int i = 0; i < v.rectangleCount(); ++i)
        if (v.rectangle(i).buffer == b && v.rectangle(i).segment == k)
            return i;
    return -1;
}

// Structural checks shared by every model.
void checkGeometry(const ArenaView& v, const Analysis& a)
{
    QCOMPARE(int64_t(v.rectangleCount()), totalSegments(a));
    double top = 0;
    for (int i = 0; i < v.rectangleCount(); ++i) {
        const QRectF r = v.rectangleBounds(i);
        QVERIFY(r.left() < r.right());
        QVERIFY(r.top() >= 0);
        top = std::max(top, r.bottom());
        // Coordinates agree with the plan.
        const ArenaView::Rect& x = v.rectangle(i);
        QCOMPARE(int64_t(r.top() * 1024.0), a.plan.segmentOffset(a.memory, x.buffer, size_t(x.segment)));
        QCOMPARE(int64_t((r.bottom() - r.top()) * 1024.0 + 0.5), a.memory.buffers[size_t(x.buffer)].segments[size_t(x.segment)].size);
    }
    QCOMPARE(int64_t(top * 1024.0), a.plan.peakBytes);
    // No two rectangles that share a step share bytes (read back from the drawn coordinates).
    for (int i = 0; i < v.rectangleCount(); ++i)
        for (int j = i + 1; j < v.rectangleCount(); ++j) {
            const QRectF p = v.rectangleBounds(i), q = v.rectangleBounds(j);
            if (p.height() <= 0 || q.height() <= 0)
                continue;
            const bool timeOverlap = p.left() < q.right() && q.left() < p.right();
            const bool spaceOverlap = p.top() < q.bottom() && q.top() < p.bottom();
            if (timeOverlap && spaceOverlap)
                QFAIL(qPrintable(QString("rectangles %1 (buffer %2) and %3 (buffer %4) overlap")
                                     .arg(i)
                                     .arg(v.rectangle(i).buffer)
                                     .arg(j)
                                     .arg(v.rectangle(j).buffer)));
        }
}

} // namespace

class TestArenaView : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void rectanglesMatchPlan();
    void clicksReportProducer();
    void selection();
    void tooltipText();
    void clearsAndFits();
    void mcunetv2();
    void patchedStages();
    void patchedSelectionAndClicks();
    void stageZero();

private:
    std::optional<Analysis> m_demo;
};

void TestArenaView::initTestCase()
{
    QVERIFY(boards().find("nucleo-h743zi2"));
    auto r = runAnalysis(buildDemoModel(), h743(), boards(), AnalysisOptions{});
    QVERIFY(r.ok());
    m_demo = std::move(*r.value);
    QVERIFY(!m_demo->memory.buffers.empty());
}

void TestArenaView::rectanglesMatchPlan()
{
    ArenaView v;
    v.resize(1200, 600);
    v.setAnalysis(&*m_demo, 0);
    checkGeometry(v, *m_demo);
}

void TestArenaView::clicksReportProducer()
{
    const Analysis& a = *m_demo;
    const MemoryAnalysis& m = a.memory;
    const Graph& g = a.legal.graph;
    ArenaView v;
    v.resize(1200, 600);
    v.show();
    v.setAnalysis(&a, 0);
    QVERIFY(QTest::qWaitForWindowExposed(&v));

    // The output of the op at step 3: clicking its rectangle reports that op.
    QVERIFY(m.steps.size() > 4);
    const int op3 = m.steps[3].op;
    const int out = g.ops[size_t(op3)].outputs[0];
    const int b = m.tensorBuffer[size_t(out)];
    QVERIFY(b >= 0);
    if (m.buffers[size_t(b)].tensors.front() == out) { // its own buffer (not an in-place output)
        const int r = rectOf(v, b);
        QVERIFY(r >= 0);
        const QPointF c = v.rectangleBounds(r).center();
        QCOMPARE(v.opAt(c.x(), c.y()), a.legal.sourceOp[size_t(op3)]);
    }
    // Every buffer: the op its rectangles report produces its first tensor, or (scratch) runs at
    // its step, or (graph input) is the first to read it.
    for (size_t bi = 0; bi < m.buffers.size(); ++bi) {
        const PlanBuffer& pb = m.buffers[bi];
        const int r = rectOf(v, int(bi));
        QVERIFY(r >= 0);
        const QRectF rect = v.rectangleBounds(r);
        const int op = v.opAt(rect.center().x(), rect.center().y());
        if (rect.height() > 0)
            QCOMPARE(op, v.bufferOp(int(bi)));
        int expected = -1;
        if (pb.kind == PlanBuffer::Kind::Scratch) {
            expected = m.steps[size_t(pb.scratchStep)].op;
        } else {
            for (size_t o = 0; o < g.ops.size(); ++o)
                for (int t : g.ops[o].outputs)
                    if (t == pb.tensors.front())
                        expected = int(o);
            if (expected < 0)
                for (size_t s = 0; s < m.steps.size() && expected < 0; ++s)
                    for (int t : g.ops[size_t(m.steps[s].op)].inputs)
                        if (t >= 0 && std::count(pb.tensors.begin(), pb.tensors.end(), t))
                            expected = m.steps[s].op;
        }
        QVERIFY(expected >= 0);
        QCOMPARE(v.bufferOp(int(bi)), a.legal.sourceOp[size_t(expected)]);
    }
    // The graph input reports the first op (it reads the input at step 0).
    const int inBuf = m.tensorBuffer[size_t(g.inputs[0])];
    QCOMPARE(v.bufferOp(inBuf), a.legal.sourceOp[size_t(m.steps[0].op)]);
    // Empty space reports nothing.
    QCOMPARE(v.opAt(-5, 1), -1);
    QCOMPARE(v.opAt(1, double(a.plan.peakBytes) / 1024.0 + 1), -1);

    // A real click on the widget emits the same op.
    const int r = rectOf(v, b);
    const QRectF rect = v.rectangleBounds(r);
    QCustomPlot* p = v.plot();
    p->replot(QCustomPlot::rpImmediateRefresh);
    const QPoint px(int(p->xAxis->coordToPixel(rect.center().x())), int(p->yAxis->coordToPixel(rect.center().y())));
    QSignalSpy spy(&v, &ArenaView::opClicked);
    QTest::mouseClick(p, Qt::LeftButton, {}, px);
    QCOMPARE(spy.count(), 1);
    QCOMPARE(spy.at(0).at(0).toInt(), v.opAt(rect.center().x(), rect.center().y()));
}

void TestArenaView::selection()
{
    const Analysis& a = *m_demo;
    ArenaView v;
    v.resize(800, 400);
    v.selectOp(3); // before any analysis
    v.setAnalysis(&a, 0);
    v.selectOp(-1);
    v.selectOp(1000000);
    v.selectOp(-7);
    for (int i = 0; i < v.rectangleCount(); ++i)
        QVERIFY(!v.isHighlighted(i));

    // Selecting the op at step 5 highlights exactly the buffers it reads, writes or scratches with.
    const MemoryAnalysis& m = a.memory;
    const int op = m.steps[5].op;
    const int imported = a.legal.sourceOp[size_t(op)];
    v.selectOp(imported);
    QCOMPARE(v.selectedOp(), imported);
    std::vector<bool> expect(m.buffers.size(), false);
    for (int t : a.legal.graph.ops[size_t(op)].inputs)
        if (t >= 0 && m.tensorBuffer[size_t(t)] >= 0)
            expect[size_t(m.tensorBuffer[size_t(t)])] = true;
    for (int t : a.legal.graph.ops[size_t(op)].outputs)
        if (m.tensorBuffer[size_t(t)] >= 0)
            expect[size_t(m.tensorBuffer[size_t(t)])] = true;
    for (size_t b = 0; b < m.buffers.size(); ++b)
        if (m.buffers[b].kind == PlanBuffer::Kind::Scratch && m.buffers[b].scratchStep == 5)
            expect[b] = true;
    int highlighted = 0;
    for (int i = 0; i < v.rectangleCount(); ++i) {
        QCOMPARE(v.isHighlighted(i), bool(expect[size_t(v.rectangle(i).buffer)]));
        highlighted += v.isHighlighted(i);
    }
    QVERIFY(highlighted >= 2);
    // Selection survives a re-analysis and clears with -1.
    const int before = v.rectangleCount();
    v.setAnalysis(&a, 256 * 1024);
    QCOMPARE(v.rectangleCount(), before);
    QVERIFY(v.isHighlighted(rectOf(v, m.tensorBuffer[size_t(a.legal.graph.ops[size_t(op)].outputs[0])])));
    v.selectOp(-1);
    for (int i = 0; i < v.rectangleCount(); ++i)
        QVERIFY(!v.isHighlighted(i));
}

void TestArenaView::tooltipText()
{
    const Analysis& a = *m_demo;
    ArenaView v;
    v.setAnalysis(&a, 0);
    const int inBuf = a.memory.tensorBuffer[size_t(a.legal.graph.inputs[0])];
    const QString text = v.describe(rectOf(v, inBuf));
    QVERIFY2(text.contains(QString::fromStdString(a.legal.graph.tensors[size_t(a.legal.graph.inputs[0])].name).toHtmlEscaped()),
             qPrintable(text));
    QVERIFY(text.contains("offset"));
    QVERIFY(text.contains("lifetime steps 0.."));
    QVERIFY(v.describe(-1).isEmpty());
    QVERIFY(v.describe(v.rectangleCount()).isEmpty());
}

void TestArenaView::clearsAndFits()
{
    ArenaView v;
    v.setAnalysis(&*m_demo, 100 * 1024 * 1024); // a budget far above the peak is not drawn
    QVERIFY(v.plot()->yAxis->range().upper < 3.0 * double(m_demo->plan.peakBytes) / 1024.0);
    v.plot()->xAxis->setRange(3, 4);
    v.plot()->yAxis->setRange(1, 2);
    v.fit();
    QVERIFY(v.plot()->xAxis->range().lower < 0);
    QVERIFY(v.plot()->xAxis->range().upper >= double(m_demo->memory.steps.size()) - 0.5);
    QVERIFY(v.plot()->yAxis->range().upper >= double(m_demo->plan.peakBytes) / 1024.0);
    v.setAnalysis(nullptr, 0);
    QCOMPARE(v.rectangleCount(), 0);
    QCOMPARE(v.opAt(1, 1), -1);
    v.selectOp(0);
    v.fit();
}

void TestArenaView::mcunetv2()
{
    const QString path = tstest::modelPath("tinyengine_mcunetv2_large");
    TS_REQUIRE_MODEL(path);
    auto model = importTfliteFile(path.toStdString());
    QVERIFY(model.ok());
    AnalysisOptions o;
    o.legalize.quantizedIo = true;
    auto a = runAnalysis(*model, h743(), boards(), o);
    QVERIFY(a.ok());
    ArenaView v;
    v.resize(1200, 600);
    v.show();
    QVERIFY(QTest::qWaitForWindowExposed(&v));
    v.setAnalysis(&*a, 512 * 1024);
    checkGeometry(v, *a);
}

namespace {

// vww on the H743 as documentFor() gives it, with a 3×3 patch grid at tensor 121.
PipelineSnapshot vwwPatched(bool inputResident)
{
    auto model = importTfliteFile(tstest::modelPath("tinyengine_vww").toStdString());
    if (!model.ok())
        return nullptr;
    Session doc = documentFor(*model, "nucleo-h743zi2");
    doc.schedule.patch = PatchStage{121, 3, 3, inputResident};
    auto r = runPipeline(*model, doc, boards());
    return r.ok() ? *r : nullptr;
}

// Every drawn rectangle lies inside [0, the shown stage's peak), its steps inside the stage's, and
// no two rectangles live at the same step share bytes.
void checkStage(const ArenaView& v, int firstStep, int steps)
{
    QVERIFY(v.rectangleCount() > 0);
    const double peakKiB = v.shownPeakKiB();
    double top = 0;
    for (int i = 0; i < v.rectangleCount(); ++i) {
        const ArenaView::Rect& r = v.rectangle(i);
        QVERIFY2(r.offset >= 0 && r.size >= 0 && r.offset + r.size <= v.shownPeakBytes(),
                 qPrintable(QString("rect %1 at %2 + %3 above peak %4").arg(i).arg(r.offset).arg(r.size).arg(v.shownPeakBytes())));
        QVERIFY(r.first >= firstStep && r.last < firstStep + steps && r.first <= r.last);
        const QRectF b = v.rectangleBounds(i);
        QVERIFY(b.top() >= 0 && b.bottom() <= peakKiB + 1e-9);
        top = std::max(top, b.bottom());
        QVERIFY(!v.describe(i).isEmpty());
    }
    for (int i = 0; i < v.rectangleCount(); ++i)
        for (int j = i + 1; j < v.rectangleCount(); ++j) {
            const QRectF p = v.rectangleBounds(i), q = v.rectangleBounds(j);
            if (p.height() <= 0 || q.height() <= 0)
                continue;
            if (p.left() < q.right() && q.left() < p.right() && p.top() < q.bottom() && q.top() < p.bottom())
                QFAIL(qPrintable(QString("rectangles %1 and %2 overlap").arg(i).arg(j)));
        }
}

} // namespace

// With a patch schedule the view offers the stages that run, each with its own peak; the one with
// the run's peak comes first, and its figure is the headline's.
void TestArenaView::patchedStages()
{
    TS_REQUIRE_MODEL(tstest::modelPath("tinyengine_vww"));
    for (bool resident : {false, true}) {
        const PipelineSnapshot r = vwwPatched(resident);
        QVERIFY(r && r->patched());
        const PatchPlan& p = *r->patch;
        ArenaView v;
        v.resize(1200, 500);
        v.setResult(r);
        QCOMPARE(v.stageCount(), 3);
        // The default stage holds the run's peak: the figure the headline shows.
        QCOMPARE(v.currentStage(), p.stage2Peak > p.stage1Peak ? int(ArenaView::kStage2) : int(ArenaView::kStage1));
        QCOMPARE(v.shownPeakBytes(), r->peakBytes);
        QCOMPARE(v.shownPeakKiB(), double(r->peakBytes) / 1024.0);
        QVERIFY2(v.title().contains(QString::number(double(r->peakBytes) / 1024.0, 'f', 1) + " KiB"), qPrintable(v.title()));
        QVERIFY(!v.title().contains("plan peak"));

        // TS_SHOTS=<dir>: save each stage as drawn, to look at.
        const QString shots = qEnvironmentVariable("TS_SHOTS");
        if (!shots.isEmpty()) {
            v.resize(1366, 300);
            for (int s = 0; s < v.stageCount(); ++s) {
                v.setStage(s);
                v.grab().save(QString("%1/arena_vww3x3%2_stage%3.png").arg(shots, resident ? "_resident" : "").arg(s));
            }
        }
        v.setStage(ArenaView::kStage1);
        QCOMPARE(v.shownPeakBytes(), p.stage1Peak);
        QVERIFY2(v.title().startsWith("stage 1 peak " + QString::number(double(p.stage1Peak) / 1024.0, 'f', 1) + " KiB"),
                 qPrintable(v.title()));
        checkStage(v, 0, p.split.step + 1);
        // The stitched split tensor spans every stage-1 step at stage1SplitOffset; the largest
        // patch's buffers sit at its layout's base; a resident input at inputOffset.
        const StageLayout& l1 = p.patchLayouts[size_t(p.patchLayoutOf[size_t(p.largestPatch)])];
        const int steps1 = int(l1.memory.steps.size());
        int split = -1, input = -1, layoutRects = 0;
        for (int i = 0; i < v.rectangleCount(); ++i) {
            const ArenaView::Rect& x = v.rectangle(i);
            if (x.buffer < 0 && x.tensor == p.split.tensor)
                split = i;
            else if (x.buffer < 0)
                input = i;
            else {
                ++layoutRects;
                QCOMPARE(x.offset, l1.base + l1.plan.segmentOffset(l1.memory, x.buffer, size_t(x.segment)));
            }
        }
        QCOMPARE(int64_t(layoutRects), [&] {
            int64_t n = 0;
            for (const PlanBuffer& b : l1.memory.buffers)
                n += int64_t(b.segments.size());
            return n;
        }());
        QVERIFY(split >= 0);
        QCOMPARE(v.rectangle(split).offset, p.stage1SplitOffset);
        QCOMPARE(v.rectangle(split).size, alignedTensorBytes(r->legal().graph, p.split.tensor, l1.memory.alignment));
        QCOMPARE(v.rectangle(split).first, 0);
        QCOMPARE(v.rectangle(split).last, steps1 - 1);
        QCOMPARE(v.rectangle(split).role, ArenaView::Role::Split);
        QCOMPARE(input >= 0, p.inputOffset >= 0);
        if (input >= 0)
            QCOMPARE(v.rectangle(input).offset, p.inputOffset);

        v.setStage(ArenaView::kStage2);
        QCOMPARE(v.currentStage(), int(ArenaView::kStage2));
        QCOMPARE(v.shownPeakBytes(), p.stage2Peak);
        QVERIFY2(v.title().startsWith("stage 2 peak " + QString::number(double(p.stage2Peak) / 1024.0, 'f', 1) + " KiB"),
                 qPrintable(v.title()));
        // Stage 2 steps continue the whole order's numbering after the split.
        checkStage(v, p.split.step + 1, int(p.stage2->memory.steps.size()));
        bool splitAt = false;
        for (int i = 0; i < v.rectangleCount(); ++i)
            if (v.rectangle(i).role == ArenaView::Role::Split) {
                QCOMPARE(v.rectangle(i).offset, p.splitOffset);
                splitAt = true;
            }
        QVERIFY(splitAt);

        v.setStage(ArenaView::kWhole);
        QCOMPARE(v.shownPeakBytes(), r->analysis.plan.peakBytes);
        QVERIFY(v.title().startsWith("whole tensors (not run): plan peak"));
        checkStage(v, 0, int(r->analysis.memory.steps.size()));
        v.setStage(7); // ignored
        QCOMPARE(v.currentStage(), int(ArenaView::kWhole));

        // Without patches: one stage, the whole-tensor plan as before.
        v.setAnalysis(&r->analysis, 0);
        QCOMPARE(v.stageCount(), 1);
        QCOMPARE(v.shownPeakBytes(), r->analysis.plan.peakBytes);
        QVERIFY(v.title().startsWith("plan peak"));
        v.setResult(nullptr);
        QCOMPARE(v.stageCount(), 0);
        QCOMPARE(v.rectangleCount(), 0);
        QCOMPARE(v.shownPeakBytes(), int64_t(0));
    }
}

// Hover text and clicks name layers by the imported op index; selecting an op highlights what it
// touches in the shown stage, including the stitched split tensor.
void TestArenaView::patchedSelectionAndClicks()
{
    TS_REQUIRE_MODEL(tstest::modelPath("tinyengine_vww"));
    const PipelineSnapshot r = vwwPatched(false);
    QVERIFY(r && r->patched());
    const PatchPlan& p = *r->patch;
    ArenaView v;
    v.resize(1200, 500);
    v.setResult(r);
    v.setStage(ArenaView::kStage1);
    const StageLayout& l1 = p.patchLayouts[size_t(p.patchLayoutOf[size_t(p.largestPatch)])];
    // The last stage-1 op writes the split tensor.
    const int lastLegal = l1.memory.steps.back().op;
    const int lastImported = l1.graph.sourceOp[size_t(lastLegal)];
    int split = -1;
    for (int i = 0; i < v.rectangleCount(); ++i)
        if (v.rectangle(i).buffer < 0 && v.rectangle(i).tensor == p.split.tensor)
            split = i;
    QVERIFY(split >= 0);
    const QPointF c = v.rectangleBounds(split).center();
    QCOMPARE(v.opAt(c.x(), c.y()), lastImported);
    const QString text = v.describe(split);
    QVERIFY2(text.contains(QString("#%1 ").arg(lastImported)), qPrintable(text));
    v.selectOp(lastImported);
    QVERIFY(v.isHighlighted(split));
    // Every layout rectangle's hover text names ops as "#<imported index> <OPNAME>", never "op N".
    for (int i = 0; i < v.rectangleCount(); ++i) {
        const QString d = v.describe(i);
        QVERIFY2(!d.contains(QRegularExpression("\\bop \\d")), qPrintable(d));
    }
    // The selection follows the user across stages and results; a picked stage is kept.
    QSignalSpy spy(&v, &ArenaView::stageChanged);
    v.setStage(ArenaView::kStage2);
    QCOMPARE(spy.count(), 1);
    QCOMPARE(v.selectedOp(), lastImported);
    const int firstStage2 = p.stage2->graph.sourceOp[size_t(p.stage2->memory.steps.front().op)];
    v.selectOp(firstStage2);
    bool any = false;
    for (int i = 0; i < v.rectangleCount(); ++i)
        any |= v.isHighlighted(i);
    QVERIFY(any);
    // Selecting an op of the other stage (from the table or the chart) brings that stage up; not
    // while the whole-tensor comparison is shown.
    QCOMPARE(v.stageOf(firstStage2), int(ArenaView::kStage2));
    QCOMPARE(v.stageOf(lastImported), int(ArenaView::kStage1));
    QCOMPARE(v.stageOf(-1), -1);
    v.selectOp(lastImported);
    QCOMPARE(v.currentStage(), int(ArenaView::kStage1));
    QVERIFY(v.isHighlighted(split));
    QCOMPARE(spy.count(), 2);
    v.setStage(ArenaView::kWhole);
    v.selectOp(firstStage2);
    QCOMPARE(v.currentStage(), int(ArenaView::kWhole));
    QVERIFY(v.title().contains(QString("split after step %1").arg(p.split.step)));
    // A stage picked stays shown across new patched results; an unpatched one resets it.
    v.setStage(ArenaView::kWhole);
    v.setResult(r);
    QCOMPARE(v.currentStage(), int(ArenaView::kWhole));
    v.setAnalysis(&r->analysis, 0);
    v.setResult(r);
    QCOMPARE(v.currentStage(), p.stage2Peak > p.stage1Peak ? int(ArenaView::kStage2) : int(ArenaView::kStage1));
}

// A PyTorch-style NCHW net (a TRANSPOSE before the spatial ops): stage 0 runs first on whole
// tensors and gets its own tab, in run order; the default is the stage holding the run's peak.
void TestArenaView::stageZero()
{
    const Model model = synth::nchwNet();
    Session doc = documentFor(model, "stm32f746g-disco");
    auto whole = runPipeline(model, doc, boards());
    QVERIFY(whole.ok() && !(*whole)->splits.empty());
    const SplitPoint s = (*whole)->splits.back();
    QVERIFY(s.prefix > 0);
    doc.schedule.patch = PatchStage{s.tensor, 2, 2, false};
    auto r = runPipeline(model, doc, boards());
    QVERIFY(r.ok() && (*r)->patched() && (*r)->patch->stage0);
    const PatchPlan& p = *(*r)->patch;
    ArenaView v;
    v.resize(1000, 400);
    v.setResult(*r);
    QCOMPARE(v.stageCount(), 4);
    QCOMPARE(v.stageIndex(ArenaView::kStage0), 0);
    QCOMPARE(v.stageIndex(ArenaView::kStage1), 1);
    QCOMPARE(v.stageIndex(ArenaView::kStage2), 2);
    QCOMPARE(v.stageIndex(ArenaView::kWhole), 3);
    QCOMPARE(v.currentStage(), v.runPeakStage());
    QCOMPARE(v.shownPeakBytes(), (*r)->peakBytes);
    const int64_t peaks[] = {p.stage0Peak, p.stage1Peak, p.stage2Peak};
    for (int i = 0; i < 3; ++i) {
        v.setStage(i);
        QCOMPARE(v.shownPeakBytes(), peaks[i]);
        QVERIFY2(v.title().startsWith(QString("stage %1 peak").arg(i)), qPrintable(v.title()));
        checkStage(v, i == 0 ? 0 : i == 1 ? s.prefix : s.step + 1, i == 0 ? s.prefix : i == 1 ? s.step + 1 - s.prefix : 1 << 20);
    }
    // The transpose's layer brings up stage 0.
    const int transpose = p.stage0->graph.sourceOp[size_t(p.stage0->memory.steps.front().op)];
    v.selectOp(transpose);
    QCOMPARE(v.currentStage(), 0);
}

QTEST_MAIN(TestArenaView)
#include "tst_arenaview.moc"
