// The schedule panel's split list: each split named by the layer producing it (the "#<op> NAME" id
// of every other view) with its shape and, after a search, its best figures; choosing a split applies
// that split's best grid in one edit. And the core figures behind it: searchPatches' bestPerSplit on
// a hand-computed chain and on the shared VWW model.

#include "model/tflite_import.h"
#include "pipeline/pipeline.h"
#include "schedule/patch.h"
#include "synthchain.h"
#include "testsupport.h"
#include "views/schedulepanel.h"

#include <QAbstractItemView>
#include <QComboBox>
#include <QSignalSpy>
#include <QSpinBox>

#include <memory>

using namespace ts;
using synth::Chain;
using synth::syntheticChain; // tst_patch's hand-computed chain

namespace {

int indexOfSplit(const std::vector<SplitPoint>& splits, int tensor)
{
    for (size_t i = 0; i < splits.size(); ++i)
        if (splits[i].tensor == tensor)
            return int(i);
    return -1;
}

} // namespace

class TestSchedulePanel : public QObject {
    Q_OBJECT
private slots:
    void bestPerSplitByHand();
    void defaultGridWithoutFigures();
    void vwwBestPerSplit();
    void vwwSplitList();

private:
    bool loadVww();
    Model m_vww;
    PipelineSnapshot m_result;
    std::optional<PatchSearchResult> m_search;
};

// bestPerSplit on the chain, grids up to 2×2 (int8, 16 B alignment, no in-place, input streamed;
// the 2×2 figures at the split are tst_patch's syntheticChainByHand):
//   split = the stride-2 output [1,4,4,2] (step 1):
//     2×2: peak 176 (split 32 + patch (0,0)'s input 6·6·2 → 80 and mid 5·5·2 → 64), +306 MACs = 21.25 %.
//     1×2 and 2×1: patch (0,0) needs mid 8×5 (80 B) and input 8×6 (96 B): 32 + 176 = 208; mid is
//       computed over 8 × (5 + 4) = 72 pixels instead of 64: (72 − 64)·2·9 = 144 extra = 10 %.
//   split = mid [1,8,8,2] (step 0): stage 1 is one op, every mid pixel computed once: 0 % for any grid.
//     2×2: mid whole 128 + patch (0,0)'s input 5·5·2 → 64 = 192; stage 2 (mid + split 32, then split
//     + output 16) = 160: peak 192. 1×2 / 2×1: 128 + 8·5·2 = 208.
//   Cap 25 %: best at the split is 2×2 (176), at mid 2×2 (192). Cap 5 %: only 1×1 is left at the
//   split (no recomputation, peak ≥ the whole-tensor 256), mid keeps 2×2 (192).
void TestSchedulePanel::bestPerSplitByHand()
{
    const Chain c = syntheticChain();
    const LegalGraph lg = makeLegalGraph(c.g);
    const auto order = storedOrder(lg);
    const auto splits = validSplits(lg, order);
    const int atSplit = indexOfSplit(splits, c.split), atMid = indexOfSplit(splits, c.mid);
    QVERIFY(atSplit >= 0 && atMid >= 0);
    PatchOptions o;
    o.memory.setInplace(false);
    auto loose = searchPatches(lg, order, o, 1 << 20, 2, 25.0);
    QVERIFY2(loose.ok(), firstError(loose.diagnostics).c_str());
    QCOMPARE(loose->bestPerSplit.size(), splits.size());
    for (size_t i = 0; i < splits.size(); ++i)
        QCOMPARE(loose->bestPerSplit[i].split.tensor, splits[i].tensor);
    const PatchPlan& s = loose->bestPerSplit[size_t(atSplit)];
    QCOMPARE(s.nh, 2);
    QCOMPARE(s.nw, 2);
    QCOMPARE(s.peak, int64_t(176));
    QCOMPARE(s.extraMacs, int64_t(306));
    QVERIFY(qAbs(s.extraMacsPercent - 21.25) < 1e-9);
    const PatchPlan& m = loose->bestPerSplit[size_t(atMid)];
    QCOMPARE(m.nh, 2);
    QCOMPARE(m.nw, 2);
    QCOMPARE(m.peak, int64_t(192));
    QCOMPARE(m.extraMacs, int64_t(0));

    auto strict = searchPatches(lg, order, o, 1 << 20, 2, 5.0);
    QVERIFY2(strict.ok(), firstError(strict.diagnostics).c_str());
    const PatchPlan& s1 = strict->bestPerSplit[size_t(atSplit)];
    QCOMPARE(s1.nh * s1.nw, 1);
    QCOMPARE(s1.extraMacs, int64_t(0));
    QVERIFY(s1.peak >= 256);
    QCOMPARE(strict->bestPerSplit[size_t(atMid)].peak, int64_t(192));
    QCOMPARE(strict->bestPerSplit[size_t(atMid)].nh * strict->bestPerSplit[size_t(atMid)].nw, 4);

    // The panel names both splits by their producing layer (DEPTHWISE_CONV_2D, imported ops 0 and 1)
    // and shows the figures once known.
    SchedulePanel panel;
    panel.setSplits(&lg, splits);
    auto* combo = panel.findChild<QComboBox*>("splitCombo");
    QVERIFY(combo);
    const QString splitText = combo->itemText(combo->findData(c.split));
    QVERIFY2(splitText.startsWith("#1 DEPTHWISE_CONV_2D") && splitText.contains("[1,4,4,2]"), qPrintable(splitText));
    QVERIFY2(!splitText.contains("best"), qPrintable(splitText));
    panel.setPareto(&*loose);
    const QString withFigures = combo->itemText(combo->findData(c.split));
    QVERIFY2(withFigures.contains(QString::fromUtf8("best 0.2 KiB at 2×2, +21.")), qPrintable(withFigures));
    QVERIFY2(combo->itemText(combo->findData(c.mid)).startsWith("#0 DEPTHWISE_CONV_2D"),
             qPrintable(combo->itemText(combo->findData(c.mid))));
    panel.setPareto(nullptr);
    QVERIFY(!combo->itemText(combo->findData(c.split)).contains("best"));
}

// Without figures, choosing a split gives a 2×2 grid (not the 1×1 that only adds the split tensor),
// in one edit; a grid already set is kept when it fits the new split.
void TestSchedulePanel::defaultGridWithoutFigures()
{
    const Chain c = syntheticChain();
    const LegalGraph lg = makeLegalGraph(c.g);
    const auto splits = validSplits(lg, storedOrder(lg));
    SchedulePanel panel;
    panel.setSplits(&lg, splits);
    auto* combo = panel.findChild<QComboBox*>("splitCombo");
    auto* nh = panel.findChild<QSpinBox*>("nhSpin");
    QVERIFY(combo && nh);
    QSignalSpy spy(&panel, &SchedulePanel::edited);
    combo->setCurrentIndex(combo->findData(c.split));
    QCOMPARE(spy.count(), 1);
    auto doc = spy.takeFirst().at(0).value<ScheduleDoc>();
    QVERIFY(doc.patch);
    QCOMPARE(doc.patch->splitTensor, c.split);
    QCOMPARE(doc.patch->nh, 2);
    QCOMPARE(doc.patch->nw, 2);
    nh->setValue(3);
    QCOMPARE(spy.count(), 1);
    spy.clear();
    combo->setCurrentIndex(combo->findData(c.mid));
    QCOMPARE(spy.count(), 1);
    doc = spy.takeFirst().at(0).value<ScheduleDoc>();
    QCOMPARE(doc.patch->splitTensor, c.mid);
    QCOMPARE(doc.patch->nh, 3);
    QCOMPARE(doc.patch->nw, 2);
    // Back to whole tensors: one edit, no patch stage.
    combo->setCurrentIndex(0);
    QCOMPARE(spy.count(), 1);
    QVERIFY(!spy.takeFirst().at(0).value<ScheduleDoc>().patch);
}

bool TestSchedulePanel::loadVww()
{
    if (m_result && m_search)
        return true;
    auto model = importTfliteFile(tstest::modelPath("tinyengine_vww").toStdString());
    if (!model.ok())
        return false;
    m_vww = std::move(*model.value);
    const Session doc = documentFor(m_vww, "nucleo-h743zi2");
    auto r = runPipeline(m_vww, doc, tstest::boards());
    if (!r.ok())
        return false;
    m_result = *r.value;
    auto s = searchPatches(m_result->legal(), m_result->analysis.memory.order, doc.schedule.patchOptions(),
                           m_result->arenaBudget(), 8, doc.schedule.macCapPercent);
    if (!s.ok())
        return false;
    m_search = std::move(*s.value);
    return true;
}

// On VWW: one best plan per split, within the cap, and no Pareto plan of the same split beats it.
void TestSchedulePanel::vwwBestPerSplit()
{
    TS_REQUIRE_MODEL(tstest::modelPath("tinyengine_vww"));
    QVERIFY(loadVww());
    const double cap = ScheduleDoc{}.macCapPercent;
    const auto& splits = m_result->splits;
    QVERIFY(!splits.empty());
    QCOMPARE(m_search->bestPerSplit.size(), splits.size());
    for (size_t i = 0; i < splits.size(); ++i) {
        const PatchPlan& b = m_search->bestPerSplit[i];
        QCOMPARE(b.split.tensor, splits[i].tensor);
        QVERIFY(b.nh >= 1 && b.nw >= 1 && b.peak > 0);
        QVERIFY(b.extraMacsPercent <= cap);
        for (const PatchPlan& p : m_search->pareto)
            if (p.split.tensor == b.split.tensor && p.extraMacsPercent <= cap)
                QVERIFY2(p.peak >= b.peak, qPrintable(QString("split %1: pareto %2×%3 %4 B < best %5×%6 %7 B")
                                                          .arg(b.split.tensor).arg(p.nh).arg(p.nw).arg(p.peak)
                                                          .arg(b.nh).arg(b.nw).arg(b.peak)));
        // Nothing on the front (any split) beats the best of all splits within the cap.
    }
    const int at121 = indexOfSplit(splits, 121);
    QVERIFY(at121 >= 0);
    const PatchPlan& b = m_search->bestPerSplit[size_t(at121)];
    qInfo("vww split 121: best %d×%d, peak %lld B, +%.2f %% MACs (whole %lld B)", b.nh, b.nw, (long long)b.peak,
          b.extraMacsPercent, (long long)b.wholePeak);
}

// The panel on VWW: split 121 reads "#<op> NAME → [1,20,20,16] · best …"; choosing it after Auto
// applies its best grid in exactly one edit.
void TestSchedulePanel::vwwSplitList()
{
    TS_REQUIRE_MODEL(tstest::modelPath("tinyengine_vww"));
    QVERIFY(loadVww());
    SchedulePanel panel;
    panel.setSchedule(m_result->schedule);
    panel.setSplits(&m_result->legal(), m_result->splits);
    auto* combo = panel.findChild<QComboBox*>("splitCombo");
    QVERIFY(combo);
    const int index = combo->findData(121);
    QVERIFY(index > 0);
    QVERIFY2(combo->itemText(index).startsWith("#") && combo->itemText(index).contains("[1,20,20,16]"),
             qPrintable(combo->itemText(index)));
    panel.setPareto(&*m_search);
    const QString text = combo->itemText(index);
    QVERIFY2(text.startsWith("#") && text.contains("[1,20,20,16]") && text.contains("best "), qPrintable(text));
    qInfo("%s", qPrintable(text));
    // The closed combo stays narrow; the popup is wide enough for the whole item.
    QVERIFY(combo->sizeHint().width() < 400);
    QVERIFY2(combo->view()->minimumWidth() >= combo->view()->fontMetrics().horizontalAdvance(text),
             qPrintable(QString("popup %1 px for a %2 px item").arg(combo->view()->minimumWidth())
                            .arg(combo->view()->fontMetrics().horizontalAdvance(text))));
    const PatchPlan& best = m_search->bestPerSplit[size_t(indexOfSplit(m_result->splits, 121))];
    QSignalSpy spy(&panel, &SchedulePanel::edited);
    combo->setCurrentIndex(index);
    QCOMPARE(spy.count(), 1);
    const auto doc = spy.takeFirst().at(0).value<ScheduleDoc>();
    QVERIFY(doc.patch);
    QCOMPARE(doc.patch->splitTensor, 121);
    QCOMPARE(doc.patch->nh, best.nh);
    QCOMPARE(doc.patch->nw, best.nw);
    QCOMPARE(panel.findChild<QSpinBox*>("nhSpin")->value(), best.nh);
}

QTEST_MAIN(TestSchedulePanel)
#include "tst_schedulepanel.moc"
