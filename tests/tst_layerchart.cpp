// The memory chart over real pipeline results: with a patch schedule it shows what will run (stage 1
// per patch, stage 2, the true peak on its bar with its layer id), without one the whole-tensor
// plan; the budget line stays inside the visible range, MACs live on an axis rect of their own,
// and clicks report imported op indices.

#include "model/demo_model.h"
#include "model/tflite_import.h"
#include "pipeline/pipeline.h"
#include "synthmodels.h"
#include "testsupport.h"
#include "views/layerchart.h"

#include <qcustomplot.h>

#include <QSignalSpy>

using namespace ts;

namespace {

double maxOf(const QVector<double>& v) { return v.isEmpty() ? 0 : *std::max_element(v.begin(), v.end()); }

QCPAbstractPlottable* plottableNamed(QCustomPlot* p, const QString& prefix)
{
    for (int i = 0; i < p->plottableCount(); ++i)
        if (p->plottable(i)->name().startsWith(prefix))
            return p->plottable(i);
    return nullptr;
}

// The budget line: present, in the legend, and inside the visible memory range.
void checkBudgetVisible(LayerChart& c, int64_t budgetBytes)
{
    auto* budget = qobject_cast<QCPGraph*>(plottableNamed(c.plot(), "budget"));
    QVERIFY(budget);
    QVERIFY(budget->visible());
    QVERIFY(c.plot()->legend->hasItemWithPlottable(budget));
    QCOMPARE(budget->data()->begin()->value, double(budgetBytes) / 1024.0);
    QVERIFY2(c.plot()->yAxis->range().contains(double(budgetBytes) / 1024.0),
             qPrintable(QString("budget %1 KiB outside [%2, %3]")
                            .arg(double(budgetBytes) / 1024.0)
                            .arg(c.plot()->yAxis->range().lower)
                            .arg(c.plot()->yAxis->range().upper)));
}

struct Vww {
    std::optional<Model> model;
    PipelineSnapshot whole, patched;
};

// vww on the H743, as `documentFor` gives it, without and with a 3×3 patch grid at tensor 121.
const Vww& vww()
{
    static Vww v = [] {
        Vww out;
        auto m = importTfliteFile(tstest::modelPath("tinyengine_vww").toStdString());
        if (!m.ok())
            return out;
        out.model = std::move(*m);
        Session doc = documentFor(*out.model, "nucleo-h743zi2");
        auto w = runPipeline(*out.model, doc, tstest::boards());
        doc.schedule.patch = PatchStage{121, 3, 3, false};
        auto p = runPipeline(*out.model, doc, tstest::boards());
        if (w.ok() && p.ok()) {
            out.whole = *w;
            out.patched = *p;
        }
        return out;
    }();
    return v;
}

#define REQUIRE_VWW()                                                                                                  \
    do {                                                                                                               \
        TS_REQUIRE_MODEL(tstest::modelPath("tinyengine_vww"));                                                         \
        QVERIFY(vww().whole && vww().patched);                                                                         \
    } while (0)

} // namespace

class TestLayerChart : public QObject {
    Q_OBJECT
private slots:
    void vwwPatchedShowsWhatRuns();
    void vwwPatchedClickAndOverlay();
    void vwwWholeTensor();
    void macsNotOnMemoryAxis();
    void logScaleKeepsBudget();
    void reusesPlottables();
    void demoModelWithoutAnalysis();
    void stage0BeforePatches();
    void repaintCost();
};

void TestLayerChart::vwwPatchedShowsWhatRuns()
{
    REQUIRE_VWW();
    const PipelineResult& r = *vww().patched;
    QVERIFY(r.patched());
    const PatchPlan& p = *r.patch;
    LayerChart c;
    c.resize(1200, 500);
    c.show();
    QVERIFY(QTest::qWaitForWindowExposed(&c));
    c.setResult(vww().patched);

    // The marked peak is what will run: the result's peak, the patch plan's peak.
    QCOMPARE(r.peakBytes, p.peak);
    QCOMPARE(c.peakKiB(), double(r.peakBytes) / 1024.0);
    QCOMPARE(int64_t(std::llround(c.peakKiB() * 1024.0)), r.peakBytes);
    // One bar per step of the order; the tallest is the peak, and the peak bar is it.
    const QVector<double> t = c.totals();
    QCOMPARE(int64_t(t.size()), int64_t(r.analysis.memory.steps.size()));
    QCOMPARE(maxOf(t), c.peakKiB());
    QCOMPARE(t[c.peakStep()], c.peakKiB());
    // Stage-1 bars are the per-patch working sets, stage-2 bars stage 2's own plan.
    QCOMPARE(int64_t(r.stage1.size()), int64_t(p.split.step + 1));
    for (int s = 0; s <= p.split.step; ++s)
        QCOMPARE(t[s], double(r.stage1[size_t(s)]) / 1024.0);
    QVERIFY(p.stage2);
    for (size_t k = 0; k < p.stage2->memory.steps.size(); ++k)
        QCOMPARE(t[int(k) + p.split.step + 1], double(p.stage2->memory.steps[k].total()) / 1024.0);
    // No bar shows the whole-tensor figures any more.
    QVERIFY(maxOf(t) < double(p.wholePeak) / 1024.0);
    // The peak names its layer by imported op index and its stage.
    const int peakOp = r.analysis.memory.steps[size_t(c.peakStep())].op;
    QCOMPARE(c.peakOp(), r.analysis.legal.sourceOp[size_t(peakOp)]);
    const QString stage = p.stage2Peak >= p.stage1Peak ? "(stage 2)" : "(stage 1";
    QVERIFY2(c.peakText().startsWith(QString("peak 25.4 KiB at #%1 ").arg(c.peakOp())) && c.peakText().contains(stage),
             qPrintable(c.peakText()));
    QVERIFY(c.describeStep(c.peakStep()).contains("peak 25.4 KiB"));
    QVERIFY(c.describeStep(0).contains("stage 1 (per patch, 3×3)"));
    QVERIFY(c.describeStep(0).contains("live:"));
    QVERIFY(c.describeStep(p.split.step + 1).contains("stage 2"));
    QVERIFY(c.stepLabel(c.peakStep()).startsWith(QString("#%1 ").arg(c.peakOp())));
    checkBudgetVisible(c, r.arenaBudget());
    // The legend has budget, lower bound and the two stage-1 parts.
    auto* lb = qobject_cast<QCPGraph*>(plottableNamed(c.plot(), "lower bound"));
    QVERIFY(lb && c.plot()->legend->hasItemWithPlottable(lb));
    QCOMPARE(lb->data()->begin()->value, maxOf(t));
    QVERIFY(c.plot()->legend->hasItemWithPlottable(plottableNamed(c.plot(), "stage 1: per patch 3×3")));
    // TS_CHART_PNG=<file>: a picture of the chart for a human to look at.
    if (qEnvironmentVariableIsSet("TS_CHART_PNG")) {
        c.resize(1360, 340);
        c.setCompareWithTflm(true);
        c.setShowWholeTensor(true);
        c.selectOp(c.peakOp() + 5);
        QTest::qWait(50);
        c.grab().save(qEnvironmentVariable("TS_CHART_PNG"));
        qInfo("%s\n%s", qPrintable(c.describeStep(1)), qPrintable(c.describeStep(c.peakStep())));
    }
}

void TestLayerChart::vwwPatchedClickAndOverlay()
{
    REQUIRE_VWW();
    const PipelineResult& r = *vww().patched;
    LayerChart c;
    c.resize(1200, 500);
    c.show();
    QVERIFY(QTest::qWaitForWindowExposed(&c));
    c.setResult(vww().patched);
    c.plot()->replot(QCustomPlot::rpImmediateRefresh);
    // A click on the peak bar reports the imported op index of the peak.
    QSignalSpy clicked(&c, &LayerChart::opClicked);
    const QPoint at(int(c.plot()->xAxis->coordToPixel(c.peakStep())),
                    int(c.plot()->yAxis->coordToPixel(c.peakKiB() / 3)));
    QTest::mouseClick(c.plot(), Qt::LeftButton, {}, at);
    QCOMPARE(clicked.count(), 1);
    QCOMPARE(clicked.at(0).at(0).toInt(), c.peakOp());
    // The whole-tensor plan overlays for comparison, with the whole-tensor peak.
    auto* whole = qobject_cast<QCPGraph*>(plottableNamed(c.plot(), "whole tensors"));
    QVERIFY(whole && !whole->visible());
    c.setShowWholeTensor(true);
    QVERIFY(whole->visible());
    QCOMPARE(whole->dataCount(), int(r.analysis.memory.steps.size()));
    double top = 0;
    for (auto it = whole->data()->constBegin(); it != whole->data()->constEnd(); ++it)
        top = std::max(top, it->value);
    QCOMPARE(top, double(r.analysis.memory.lowerBound) / 1024.0);
    QVERIFY(c.plot()->yAxis->range().contains(top));
    // The peak stays the schedule's.
    QCOMPARE(c.peakKiB(), double(r.peakBytes) / 1024.0);
    // TFLM too, in the legend when shown.
    c.setCompareWithTflm(true);
    auto* tflm = qobject_cast<QCPGraph*>(plottableNamed(c.plot(), "TFLM"));
    QVERIFY(tflm && tflm->visible() && c.plot()->legend->hasItemWithPlottable(tflm));
    c.setCompareWithTflm(false);
    QVERIFY(!tflm->visible() && !c.plot()->legend->hasItemWithPlottable(tflm));
    // Selecting an op highlights its bar; selecting a folded or unknown op clears it.
    c.selectOp(c.peakOp());
    c.selectOp(-1);
}

void TestLayerChart::vwwWholeTensor()
{
    REQUIRE_VWW();
    const PipelineResult& r = *vww().whole;
    QVERIFY(!r.patched());
    LayerChart c;
    c.resize(1200, 500);
    c.setResult(vww().whole);
    QCOMPARE(c.peakKiB(), double(r.analysis.plan.peakBytes) / 1024.0);
    QCOMPARE(r.peakBytes, r.analysis.plan.peakBytes);
    QCOMPARE(maxOf(c.totals()), c.peakKiB());
    // By hand: vww's first op quantizes the float32 [1,80,80,3] input to int8 (documentFor keeps
    // float I/O): 80·80·3·4 = 76,800 B in + 80·80·3 = 19,200 B out, both multiples of 16, live
    // together = 96,000 B; every later step holds less (the largest int8 map is 40×40×48 = 76,800 B
    // plus what the in-place kernels need).
    const Graph& g = vww().model->main();
    const Tensor& input = g.tensors[size_t(g.inputs[0])];
    QCOMPARE(input.shape, (std::vector<int32_t>{1, 80, 80, 3}));
    QCOMPARE(input.dtype, DType::Float32);
    QCOMPARE(int(g.ops[0].kind), int(OpKind::Quantize));
    QCOMPARE(c.peakKiB() * 1024.0, 80.0 * 80 * 3 * 4 + 80.0 * 80 * 3);
    QCOMPARE(c.peakStep(), 0);
    QCOMPARE(c.peakOp(), 0);
    QVERIFY2(c.peakText() == "peak 93.8 KiB at #0 QUANTIZE", qPrintable(c.peakText()));
    checkBudgetVisible(c, r.arenaBudget());
    // Whole tensors: no stage-1 bars, no whole-tensor overlay to offer.
    QVERIFY(!c.plot()->legend->hasItemWithPlottable(plottableNamed(c.plot(), "stage 1: split tensor")));
    QVERIFY(!c.findChild<QCheckBox*>("wholeTensorCheck")->isEnabled());
}

void TestLayerChart::macsNotOnMemoryAxis()
{
    REQUIRE_VWW();
    LayerChart c;
    c.setResult(vww().patched);
    QCPAbstractPlottable* macs = plottableNamed(c.plot(), "MACs");
    QVERIFY(macs);
    QVERIFY(macs->valueAxis()->axisRect() != c.plot()->axisRect());
    QCOMPARE(macs->valueAxis()->axisRect(), c.macsRect());
    QVERIFY(macs->valueAxis()->label().contains("MACs"));
    QVERIFY(!c.plot()->yAxis->label().contains("MAC"));
    // Nothing else lives on the MAC axis rect, nothing MAC-like on the memory axis.
    for (int i = 0; i < c.plot()->plottableCount(); ++i) {
        QCPAbstractPlottable* p = c.plot()->plottable(i);
        if (p != macs)
            QCOMPARE(p->valueAxis(), c.plot()->yAxis);
    }
    QVERIFY(!c.plot()->yAxis2->visible());
    // Both plots share x.
    c.plot()->xAxis->setRange(3, 20);
    QCOMPARE(macs->keyAxis()->range().lower, 3.0);
    QCOMPARE(macs->keyAxis()->range().upper, 20.0);
    // One MAC bar per step: the op's MACs in millions (the first, QUANTIZE, has none).
    QCOMPARE(macs->interface1D()->dataCount(), c.stepCount());
    // Behind a toggle: hidden, the MAC plot is out of the layout and the memory plot has the layer labels.
    auto* toggle = c.findChild<QCheckBox*>("macsCheck");
    QVERIFY(toggle && toggle->isChecked());
    toggle->click();
    QVERIFY(!c.showMacs());
    QVERIFY(!macs->realVisibility());
    QVERIFY(c.plot()->xAxis->tickLabels());
    QCOMPARE(c.plot()->axisRectCount(), 1);
    c.setShowMacs(true);
    QVERIFY(toggle->isChecked() && macs->realVisibility());
    QCOMPARE(c.plot()->axisRectCount(), 2);
    QVERIFY(!c.plot()->xAxis->tickLabels());
}

void TestLayerChart::logScaleKeepsBudget()
{
    REQUIRE_VWW();
    const PipelineResult& r = *vww().patched;
    LayerChart c;
    c.resize(1200, 500);
    c.setResult(vww().patched);
    // The H743's budget is ~20× the patched peak: the axis goes logarithmic by itself.
    QVERIFY(r.arenaBudget() > 4 * r.peakBytes);
    QVERIFY(c.logScale());
    QCOMPARE(c.plot()->yAxis->scaleType(), QCPAxis::stLogarithmic);
    checkBudgetVisible(c, r.arenaBudget());
    QVERIFY(c.plot()->yAxis->range().lower > 0);
    QVERIFY(c.plot()->yAxis->range().lower < c.peakKiB() / 2);
    // Linear on request, still with the budget in view; the choice sticks across results.
    auto* log = c.findChild<QCheckBox*>("logCheck");
    QVERIFY(log && log->isChecked());
    log->click();
    QCOMPARE(c.plot()->yAxis->scaleType(), QCPAxis::stLinear);
    checkBudgetVisible(c, r.arenaBudget());
    QCOMPARE(c.plot()->yAxis->range().lower, 0.0);
    c.setResult(vww().whole);
    QVERIFY(!c.logScale());
    checkBudgetVisible(c, vww().whole->arenaBudget());
    // Ctrl+wheel zooms the memory axis only; the plain wheel zooms the layers.
    c.show();
    QVERIFY(QTest::qWaitForWindowExposed(&c));
    c.plot()->replot(QCustomPlot::rpImmediateRefresh);
    const QCPRange x0 = c.plot()->xAxis->range(), y0 = c.plot()->yAxis->range();
    const QPointF at = c.plot()->axisRect()->center();
    auto wheel = [&](Qt::KeyboardModifiers m) {
        QWheelEvent e(at, c.plot()->mapToGlobal(at), QPoint(), QPoint(0, 120), Qt::NoButton, m, Qt::NoScrollPhase, false);
        QApplication::sendEvent(c.plot(), &e);
    };
    wheel(Qt::ControlModifier);
    QCOMPARE(c.plot()->xAxis->range(), x0);
    QVERIFY(c.plot()->yAxis->range().size() < y0.size());
    const QCPRange y1 = c.plot()->yAxis->range();
    wheel(Qt::NoModifier);
    QVERIFY(c.plot()->xAxis->range().size() < x0.size());
    QCOMPARE(c.plot()->yAxis->range(), y1);
    // Zoomed in by the user and refit: the range covers the budget again.
    c.plot()->yAxis->setRange(0, 10);
    c.fitY();
    checkBudgetVisible(c, vww().whole->arenaBudget());
}

void TestLayerChart::reusesPlottables()
{
    REQUIRE_VWW();
    LayerChart c;
    c.setResult(vww().whole);
    QList<QCPAbstractPlottable*> before;
    for (int i = 0; i < c.plot()->plottableCount(); ++i)
        before << c.plot()->plottable(i);
    const int items = c.plot()->itemCount();
    c.setResult(vww().patched);
    c.setResult(vww().whole);
    c.setResult(nullptr);
    c.setResult(vww().patched);
    QCOMPARE(c.plot()->plottableCount(), before.size());
    for (int i = 0; i < c.plot()->plottableCount(); ++i)
        QCOMPARE(c.plot()->plottable(i), before[i]);
    QCOMPARE(c.plot()->itemCount(), items);
}

void TestLayerChart::demoModelWithoutAnalysis()
{
    auto model = std::make_shared<const Model>(buildDemoModel());
    LayerChart c;
    c.setModel(model);
    QCOMPARE(c.stepCount(), int(model->main().ops.size()));
    QCOMPARE(c.peakOp(), -1);
    QVERIFY(c.stepLabel(0).startsWith("#0 "));
    QVERIFY(c.describeStep(0).contains("#0"));
    QVERIFY(c.describeStep(c.stepCount()).isEmpty());
    c.setModel(nullptr);
    QCOMPARE(c.stepCount(), 0);
    QVERIFY(c.totals().isEmpty());
}

// A PyTorch-style NCHW net (synth::nchwNet(): TRANSPOSE → CONV 3×3 → DEPTHWISE s2 → AVERAGE_POOL)
// with 2×2 patches at the depthwise output: the TRANSPOSE runs whole first (stage 0: 768 + 768 =
// 1,536 B, see tst_patch), then stage 1 per patch with the split tensor (8·8·8 = 512 B) and stage 0's
// output (16·16·3 = 768 B) held whole, then stage 2.
void TestLayerChart::stage0BeforePatches()
{
    const Model model = synth::nchwNet();
    Session doc = documentFor(model, "stm32f746g-disco");
    auto whole = runPipeline(model, doc, tstest::boards());
    QVERIFY(whole.ok() && !(*whole)->splits.empty());
    const SplitPoint split = (*whole)->splits.back();
    QCOMPARE(split.prefix, 1);
    doc.schedule.patch = PatchStage{split.tensor, 2, 2, false};
    auto patched = runPipeline(model, doc, tstest::boards());
    QVERIFY(patched.ok());
    const PipelineResult& r = **patched;
    const PatchPlan& p = *r.patch;
    LayerChart c;
    c.setResult(*patched);
    const QVector<double> t = c.totals();
    QCOMPARE(t.size(), 4);
    QCOMPARE(t[0], 1536.0 / 1024.0); // stage 0: the TRANSPOSE, whole
    QVERIFY(c.describeStep(0).contains("stage 0"));
    QCOMPARE(p.split.step, 2);
    for (int s = 1; s <= 2; ++s) {
        QCOMPARE(t[s], double(r.stage1[size_t(s)]) / 1024.0);
        QVERIFY(c.describeStep(s).contains("stage 1 (per patch, 2×2)"));
        QVERIFY(t[s] >= (512.0 + 768.0) / 1024.0); // the split tensor and stage 1's input, whole
    }
    QVERIFY(c.describeStep(3).contains("stage 2"));
    QCOMPARE(c.peakKiB(), double(r.peakBytes) / 1024.0);
    QCOMPARE(maxOf(t), c.peakKiB());
    QCOMPARE(t[c.peakStep()], c.peakKiB());
}

// How long an edit costs the chart on the largest shared model: setResult plus one drawn frame
// (printed, not asserted: the machine is shared; tinystudio-guibench measures the whole window).
void TestLayerChart::repaintCost()
{
    const QString path = tstest::modelPath("tinyengine_mcunetv2_large");
    TS_REQUIRE_MODEL(path);
    auto model = importTfliteFile(path.toStdString());
    QVERIFY(model.ok());
    auto r = runPipeline(*model, documentFor(*model, "nucleo-h743zi2"), tstest::boards());
    QVERIFY(r.ok());
    LayerChart c;
    c.resize(1000, 420);
    c.show();
    QVERIFY(QTest::qWaitForWindowExposed(&c));
    std::vector<double> ms, set;
    for (int i = 0; i < 15; ++i) {
        c.setResult(nullptr);
        QElapsedTimer t;
        t.start();
        c.setResult(*r);
        set.push_back(double(t.nsecsElapsed()) / 1e6);
        c.plot()->replot(QCustomPlot::rpImmediateRefresh);
        ms.push_back(double(t.nsecsElapsed()) / 1e6);
    }
    std::sort(ms.begin(), ms.end());
    std::sort(set.begin(), set.end());
    qInfo("mcunetv2_large (%d steps): setResult %.1f ms, + one replot %.1f ms (medians of %zu)", c.stepCount(),
          set[set.size() / 2], ms[ms.size() / 2], ms.size());
    QCOMPARE(c.peakKiB(), double((*r)->peakBytes) / 1024.0);
}

QTEST_MAIN(TestLayerChart)
#include "tst_layerchart.moc"
