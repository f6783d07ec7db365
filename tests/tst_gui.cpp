// The real studio window, driven offscreen: open person_detect, check the op table (also under
// QAbstractItemModelTester), pick a board, select ops, and survive a bad file.

#include "mainwindow.h"
#include "testsupport.h"
#include "views/boardpanel.h"
#include "views/layerchart.h"
#include "views/optablemodel.h"

#include <qcustomplot.h>

#include <QAbstractItemModelTester>
#include <QApplication>
#include <QComboBox>
#include <QListWidget>
#include <QStandardPaths>
#include <QTableView>
#include <QTemporaryDir>

using namespace ts;

class TestGui : public QObject {
    Q_OBJECT
private slots:
    void initTestCase() { QStandardPaths::setTestModeEnabled(true); }
    void opensDemoByDefault();
    void opensPersonDetect();
    void boardPicker();
    void badFileKeepsModel();
};

void TestGui::opensDemoByDefault()
{
    MainWindow w;
    w.openDemoModel();
    QVERIFY(w.model());
    QCOMPARE(w.opTable()->rowCount(), int(w.model()->main().ops.size()));
    QVERIFY(w.windowTitle().contains("tinystudio_demo"));
}

void TestGui::opensPersonDetect()
{
    const QString path = tstest::modelPath("tflm_person_detect");
    TS_REQUIRE_MODEL(path);
    MainWindow w;
    QAbstractItemModelTester tester(w.opTable(), QAbstractItemModelTester::FailureReportingMode::QtTest);
    w.resize(1366, 768);
    w.show();
    QVERIFY(w.openModel(path));
    QCOMPARE(w.opTable()->rowCount(), 31);
    QCOMPARE(w.opTable()->data(w.opTable()->index(2, OpTableModel::ColOp)).toString(), QString("CONV_2D"));
    QCOMPARE(w.opTable()->data(w.opTable()->index(2, OpTableModel::ColMacs), OpTableModel::SortRole).toLongLong(),
             qint64(294912));
    QCOMPARE(w.opTable()->data(w.opTable()->index(2, OpTableModel::ColOutputs)).toString(), QString("int8 [1,48,48,16]"));
    // The chart has one bar per op.
    QCOMPARE(w.layerChart()->plot()->plottableCount() >= 2, true);
    auto* bars = qobject_cast<QCPBars*>(w.layerChart()->plot()->plottable(0));
    QVERIFY(bars);
    QCOMPARE(bars->data()->size(), 31);
    // Sorting by MACs is numeric.
    w.opView()->sortByColumn(OpTableModel::ColMacs, Qt::DescendingOrder);
    const QModelIndex top = w.opView()->model()->index(0, OpTableModel::ColMacs);
    QCOMPARE(w.opView()->model()->data(top, OpTableModel::SortRole).toLongLong(), qint64(589824));
    QVERIFY(w.windowTitle().startsWith("tflm_person_detect.tflite"));
}

void TestGui::boardPicker()
{
    MainWindow w;
    w.openDemoModel();
    QVERIFY(w.selectBoard("stm32f746g-disco"));
    QCOMPARE(w.boardPanel()->currentBoardId(), QString("stm32f746g-disco"));
    QVERIFY(!w.selectBoard("no-such-board"));
    auto* picker = w.boardPanel()->findChild<QComboBox*>("boardPicker");
    QVERIFY(picker && picker->count() >= 11);
    QSignalSpy spy(w.boardPanel(), &BoardPanel::boardChanged);
    picker->setCurrentIndex(picker->findData("nucleo-f412zg"));
    QCOMPARE(spy.count(), 1);
    QCOMPARE(w.boardPanel()->currentBoard()->name, std::string("NUCLEO-F412ZG"));
}

void TestGui::badFileKeepsModel()
{
    QTemporaryDir dir;
    QFile f(dir.filePath("bad.tflite"));
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write("this is not a model at all");
    f.close();
    MainWindow w;
    w.openDemoModel();
    const int rows = w.opTable()->rowCount();
    QString error;
    QVERIFY(!w.openModel(f.fileName(), &error));
    QVERIFY(error.contains("expected 'TFL3'"));
    QCOMPARE(w.opTable()->rowCount(), rows);
    QVERIFY(w.issuesList()->count() >= 1);
    QVERIFY(w.issuesList()->item(0)->text().contains("bad.tflite"));
}

QTEST_MAIN(TestGui)
#include "tst_gui.moc"
