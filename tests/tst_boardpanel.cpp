// The board panel's bars tell the truth: the arena gets one bar over the merged region it is
// placed in (capacity = the sum of the regions it spans), regions it does not cover keep their own
// bars, and an overflow says by how much and in which region — the figures the pipeline's fit
// verdict gives.

#include "model/tflite_import.h"
#include "report/inspect_report.h"
#include "pipeline/pipeline.h"
#include "testsupport.h"
#include "views/boardpanel.h"

#include <QRegularExpression>

using namespace ts;
using tstest::boards;

namespace {

PipelineSnapshot run(const QString& model, const std::string& board)
{
    auto m = importTfliteFile(tstest::modelPath(model).toStdString());
    if (!m.ok())
        return nullptr;
    auto r = runPipeline(*m, documentFor(*m, board), boards());
    return r.ok() ? *r : nullptr;
}

// What the main window does with a result: the arena region the fit verdict names, the peak step's
// scratch apart from the activations, and the reserve.
void showArena(BoardPanel& panel, const PipelineResult& r)
{
    const Board* board = panel.currentBoard();
    QVERIFY(board);
    const Board* limits = boards().limitsOf(*board);
    const Analysis& a = r.analysis;
    const int64_t scratch = !r.patched() && a.memory.peakStep >= 0 ? a.memory.steps[size_t(a.memory.peakStep)].scratch : 0;
    bool found = false;
    for (const auto& region : arenaRegions(limits ? *limits : *board))
        if (region.name == r.fit.region) {
            panel.setArena(region, r.peakBytes - scratch, scratch, r.fit.reserveBytes);
            found = true;
        }
    QVERIFY(found);
    panel.setFlashUse(r.fit.flash);
}

std::vector<BoardPanel::Bar> arenaBars(const BoardPanel& p)
{
    std::vector<BoardPanel::Bar> out;
    for (const auto& b : p.bars())
        if (b.arena)
            out.push_back(b);
    return out;
}

} // namespace

class TestBoardPanel : public QObject {
    Q_OBJECT
private slots:
    void mergedArenaOnF746();
    void overflowSaysByHowMuchAndWhere_data();
    void overflowSaysByHowMuchAndWhere();
    void boardsWithoutArena();
};

void TestBoardPanel::mergedArenaOnF746()
{
    const QString model = "tflm_person_detect";
    TS_REQUIRE_MODEL(tstest::modelPath(model));
    BoardPanel panel;
    panel.setBoards(&boards());
    QVERIFY(panel.selectBoard("stm32f746g-disco"));
    const PipelineSnapshot r = run(model, "stm32f746g-disco");
    QVERIFY(r);
    QCOMPARE(QString::fromStdString(r->fit.region), QString("DTCM+SRAM1+SRAM2"));
    QVERIFY(r->fit.fits);
    showArena(panel, *r);

    // By hand from boards/stm32f746g-disco.json: DTCM 65536 + SRAM1 245760 + SRAM2 16384.
    const int64_t merged = 65536 + 245760 + 16384;
    const auto arena = arenaBars(panel);
    QCOMPARE(int(arena.size()), 1);
    const BoardPanel::Bar& bar = arena.front();
    QCOMPARE(bar.name, QString("DTCM+SRAM1+SRAM2"));
    QCOMPARE(bar.capacity, merged);
    QCOMPARE(bar.regions, (QStringList{"DTCM", "SRAM1", "SRAM2"}));
    qInfo().noquote() << panel.barTexts().join(" | ");
    QCOMPARE(bar.used, r->peakBytes + r->fit.reserveBytes);
    QCOMPARE(bar.over(), int64_t(0));
    QCOMPARE(bar.capacity - bar.used, r->margin()); // the free part is the headline's margin
    QVERIFY2(bar.text.startsWith("arena: DTCM+SRAM1+SRAM2 " + formatBytes(bar.used) + " / " + formatBytes(merged)),
             qPrintable(bar.text));
    QVERIFY2(bar.text.contains(formatBytes(r->margin()) + " free"), qPrintable(bar.text));
    QVERIFY(!bar.text.contains("over by"));

    // No covered region has a bar of its own; ITCM (not an arena region) keeps its bar; flash too.
    QStringList names;
    for (const auto& b : panel.bars())
        names << b.name;
    for (const char* covered : {"DTCM", "SRAM1", "SRAM2"})
        QVERIFY2(!names.contains(covered), qPrintable(panel.barTexts().join(" | ")));
    QVERIFY(names.contains("ITCM"));
    QVERIFY(names.contains("FLASH"));
    QCOMPARE(panel.barTexts().size(), int(panel.bars().size()));
    for (const auto& b : panel.bars())
        QVERIFY(!b.text.contains("over by"));

    // Clearing the arena gives the regions their own bars back.
    panel.clearArena();
    QVERIFY(arenaBars(panel).empty());
    names.clear();
    for (const auto& b : panel.bars())
        names << b.name;
    for (const char* region : {"DTCM", "SRAM1", "SRAM2", "ITCM", "FLASH"})
        QVERIFY(names.contains(region));
}

void TestBoardPanel::overflowSaysByHowMuchAndWhere_data()
{
    QTest::addColumn<QString>("board");
    QTest::addColumn<QString>("region");
    QTest::newRow("F411, one region") << "nucleo-f411re" << "SRAM1";
    QTest::newRow("F746, merged region") << "stm32f746g-disco" << "DTCM+SRAM1+SRAM2"; // not pinned on SRAM2
}

void TestBoardPanel::overflowSaysByHowMuchAndWhere()
{
    QFETCH(QString, board);
    QFETCH(QString, region);
    const QString model = "tinyengine_mcunetv2_large";
    TS_REQUIRE_MODEL(tstest::modelPath(model));
    BoardPanel panel;
    panel.setBoards(&boards());
    QVERIFY(panel.selectBoard(board));
    const PipelineSnapshot r = run(model, board.toStdString());
    QVERIFY(r);
    QVERIFY(!r->fit.fits);
    showArena(panel, *r);
    const int64_t over = r->peakBytes - r->arenaBudget();
    QVERIFY(over > 0);
    QCOMPARE(over, -r->margin());
    const auto arena = arenaBars(panel);
    QCOMPARE(int(arena.size()), 1);
    QCOMPARE(arena.front().over(), over);
    const QString where = QString::fromStdString(r->fit.region);
    QCOMPARE(where, region);
    QVERIFY2(arena.front().text.contains("over by " + formatBytes(over) + " in " + where), qPrintable(arena.front().text));
    qInfo().noquote() << panel.barTexts().join(" | ");
    // Flash says so the same way when the weights do not fit either; no other bar does.
    int reports = 0;
    for (const auto& b : panel.bars()) {
        reports += b.text.contains("over by");
        if (b.flash && b.used > 0) {
            QCOMPARE(b.used, r->fit.flash.total());
            if (r->fit.flashMargin < 0)
                QVERIFY2(b.text.contains("over by " + formatBytes(-r->fit.flashMargin) + " in " + b.name), qPrintable(b.text));
        }
    }
    QCOMPARE(reports, r->fit.flashMargin < 0 ? 2 : 1);
}

void TestBoardPanel::boardsWithoutArena()
{
    BoardPanel panel;
    QVERIFY(panel.bars().empty());
    panel.setBoards(&boards());
    for (const Board& b : boards().boards) {
        QVERIFY(panel.selectBoard(QString::fromStdString(b.id)));
        const Board& shown = boards().limitsOf(b) ? *boards().limitsOf(b) : b;
        QCOMPARE(int(panel.bars().size()), int(shown.flash.size() + shown.ram.size()));
        QVERIFY(arenaBars(panel).empty());
    }
}

QTEST_MAIN(TestBoardPanel)
#include "tst_boardpanel.moc"
