// The patch view: a 3×3 plan of the demo model drawn over its input (halo pixels painted, the
// hover hit-test, robustness of the highlight), the empty state, and the shared VWW model.

#include "model/demo_model.h"
#include "model/tflite_import.h"
#include "schedule/patch.h"
#include "testsupport.h"
#include "views/patchview.h"

#include <QImage>
#include <QMouseEvent>
#include <QSignalSpy>

using namespace ts;

namespace {

// What a translucent fill over an opaque background gives (source-over).
QColor blended(const QColor& over, const QColor& under)
{
    const double a = over.alphaF();
    return QColor(int(std::lround(over.red() * a + under.red() * (1 - a))),
                  int(std::lround(over.green() * a + under.green() * (1 - a))),
                  int(std::lround(over.blue() * a + under.blue() * (1 - a))));
}

bool near(QRgb p, const QColor& c, int tolerance = 3)
{
    return std::abs(qRed(p) - c.red()) <= tolerance && std::abs(qGreen(p) - c.green()) <= tolerance
        && std::abs(qBlue(p) - c.blue()) <= tolerance;
}

// Pixels of `c` in `area` (the whole image if empty).
int countNear(const QImage& image, const QColor& c, QRect area = {})
{
    if (area.isEmpty())
        area = image.rect();
    int n = 0;
    for (int y = area.top(); y <= area.bottom(); ++y)
        for (int x = area.left(); x <= area.right(); ++x) {
            const QRgb p = image.pixel(x, y);
            if (near(p, c))
                ++n;
        }
    return n;
}

QImage grabAt(PatchView& view, QSize size)
{
    view.resize(size);
    return view.grab().toImage().convertToFormat(QImage::Format_RGB32);
}

} // namespace

class TestPatchView : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void paintsHalo();
    void highlightIsRobust();
    void hitTest();
    void hoverSignal();
    void emptyState();
    void vwwSplit121();

private:
    Model m_model;
    LegalGraph m_lg;
    PatchPlan m_plan;
    int m_splitH = 0, m_splitW = 0;
};

void TestPatchView::initTestCase()
{
    m_model = buildDemoModel();
    m_lg = legalize(m_model, {});
    const auto order = storedOrder(m_lg);
    const auto splits = validSplits(m_lg, order);
    const SplitPoint* chosen = nullptr;
    for (const SplitPoint& s : splits)
        if (s.shape.size() == 4 && s.shape[1] >= 6) {
            chosen = &s;
            break;
        }
    QVERIFY2(chosen, "the demo model has no valid split with H >= 6");
    auto plan = planPatches(m_lg, order, chosen->tensor, 3, 3, PatchOptions{});
    QVERIFY(plan.ok());
    m_plan = *plan;
    m_splitH = chosen->shape[1];
    m_splitW = chosen->shape[2];
    QCOMPARE(m_plan.patches.size(), size_t(9));
    QCOMPARE(m_plan.regions.size(), size_t(9));
    QVERIFY(m_plan.regions[4].count(m_lg.graph.inputs[0]));
}

void TestPatchView::paintsHalo()
{
    PatchView view;
    view.setPlan(&m_lg, &m_plan);
    QVERIFY(view.hasPlan());
    QVERIFY(view.caption().startsWith("split "));
    QVERIFY(view.caption().contains(QString::fromUtf8("3×3 patches")));
    QVERIFY(view.caption().contains("% MACs"));

    const QColor halo = blended(PatchView::haloColor(), PatchView::inputBackground());
    view.setHighlightedPatch(-1);
    const QImage plain = grabAt(view, QSize(600, 400));
    QCOMPARE(plain.size(), QSize(600, 400));
    const QRect input = view.inputRect().toRect();
    QVERIFY(QRect(QPoint(0, 0), plain.size()).contains(input));
    QCOMPARE(countNear(plain, halo, input), 0);

    view.setHighlightedPatch(4); // the centre patch overlaps all four neighbours
    QCOMPARE(view.highlightedPatch(), 4);
    const QImage lit = grabAt(view, QSize(600, 400));
    if (const QString out = qEnvironmentVariable("TINYSTUDIO_PATCHVIEW_PNG"); !out.isEmpty())
        lit.save(QString(out).replace(".png", "_demo.png"));
    const int haloPixels = countNear(lit, halo, input);
    QVERIFY2(haloPixels > 100, qPrintable(QString("only %1 halo pixels").arg(haloPixels)));
    // On the input, the halo lies inside the patch's input region and outside its own tile's core.
    const QRect region = view.regionRectOnInput(4).toRect();
    int outside = 0;
    for (int y = input.top(); y <= input.bottom(); ++y)
        for (int x = input.left(); x <= input.right(); ++x)
            if (!region.contains(x, y) && near(lit.pixel(x, y), halo))
                ++outside;
    QCOMPARE(outside, 0);
    QVERIFY(!near(lit.pixel(view.tileRectOnInput(4).center().toPoint()), halo));
    // The drawing keeps the input's aspect ratio.
    const QRectF in = view.inputRect();
    const auto& shape = m_lg.graph.tensors[size_t(m_lg.graph.inputs[0])].shape;
    QVERIFY(!in.isEmpty());
    QVERIFY(std::abs(in.width() / in.height() - double(shape[2]) / shape[1]) < 0.02);
}

void TestPatchView::highlightIsRobust()
{
    PatchView view;
    view.resize(600, 400);
    view.setHighlightedPatch(3); // no plan yet
    QCOMPARE(view.highlightedPatch(), -1);
    view.setPlan(&m_lg, &m_plan);
    for (int i : {0, 8, -1, 9, 1000, -7, 4}) {
        view.setHighlightedPatch(i);
        QCOMPARE(view.highlightedPatch(), i >= 0 && i < 9 ? i : -1);
        QVERIFY(!view.grab().isNull());
        if (i >= 0 && i < 9)
            QVERIFY(!view.patchDescription(i).isEmpty());
        else
            QVERIFY(view.patchDescription(i).isEmpty());
    }
    QVERIFY(view.patchDescription(4).contains("Halo (recomputed"));
    // A tiny widget still paints.
    QVERIFY(!grabAt(view, QSize(40, 30)).isNull());
    view.setPlan(nullptr, nullptr);
    QCOMPARE(view.highlightedPatch(), -1);
}

void TestPatchView::hitTest()
{
    PatchView view;
    view.resize(600, 400);
    QCOMPARE(view.patchAt(QPointF(300, 200)), -1); // no plan
    view.setPlan(&m_lg, &m_plan);
    const QRectF in = view.inputRect();
    const auto& shape = m_lg.graph.tensors[size_t(m_lg.graph.inputs[0])].shape;
    const auto ys = tileBounds(m_splitH, 3), xs = tileBounds(m_splitW, 3);
    for (int i = 0; i < 3; ++i)
        for (int j = 0; j < 3; ++j) {
            // The centre of tile (i, j), mapped from the split tensor to input pixels to widget.
            const double cy = (ys[size_t(i)] + ys[size_t(i) + 1]) / 2.0 * shape[1] / m_splitH;
            const double cx = (xs[size_t(j)] + xs[size_t(j) + 1]) / 2.0 * shape[2] / m_splitW;
            const QPointF pos(in.left() + cx * in.width() / shape[2], in.top() + cy * in.height() / shape[1]);
            QCOMPARE(view.patchAt(pos), i * 3 + j);
            QVERIFY(view.tileRectOnInput(i * 3 + j).contains(pos));
        }
    QCOMPARE(view.patchAt(QPointF(-5, -5)), -1);
    QCOMPARE(view.patchAt(QPointF(in.center().x(), 2)), -1); // the caption
    // In the halo between patches 0 and 1 both regions hold the point: the own tile decides.
    const QRectF r0 = view.regionRectOnInput(0), t0 = view.tileRectOnInput(0), t1 = view.tileRectOnInput(1);
    if (r0.right() > t1.left() + 1) {
        QCOMPARE(view.patchAt(QPointF(t1.left() + 0.5, t0.center().y())), 1);
        QCOMPARE(view.patchAt(QPointF(t0.right() - 1.5, t0.center().y())), 0);
    }
}

void TestPatchView::hoverSignal()
{
    PatchView view;
    view.resize(600, 400);
    view.setPlan(&m_lg, &m_plan);
    QSignalSpy spy(&view, &PatchView::patchHovered);
    const QPointF centre = view.tileRectOnInput(4).center();
    QMouseEvent move(QEvent::MouseMove, centre, view.mapToGlobal(centre), Qt::NoButton, Qt::NoButton, Qt::NoModifier);
    QCoreApplication::sendEvent(&view, &move);
    QCOMPARE(spy.count(), 1);
    QCOMPARE(spy.at(0).at(0).toInt(), 4);
    QCoreApplication::sendEvent(&view, &move); // same patch: no new signal
    QCOMPARE(spy.count(), 1);
    QEvent leave(QEvent::Leave);
    QCoreApplication::sendEvent(&view, &leave);
    QCOMPARE(spy.count(), 2);
    QCOMPARE(spy.at(1).at(0).toInt(), -1);
}

void TestPatchView::emptyState()
{
    PatchView view;
    view.setPlan(&m_lg, &m_plan);
    view.setHighlightedPatch(4);
    view.setPlan(nullptr, nullptr);
    QVERIFY(!view.hasPlan());
    QVERIFY(view.caption().isEmpty());
    QVERIFY(view.inputRect().isEmpty());
    const QImage img = grabAt(view, QSize(600, 400));
    const QColor base = view.palette().color(QPalette::Base);
    QCOMPARE(countNear(img, blended(PatchView::haloColor(), PatchView::inputBackground())), 0);
    // The message is drawn in the middle band, nothing else.
    int middle = 0, elsewhere = 0;
    for (int y = 0; y < img.height(); ++y)
        for (int x = 0; x < img.width(); ++x)
            if (QColor(img.pixel(x, y)) != base)
                ++(std::abs(y - 200) < 20 && std::abs(x - 300) < 250 ? middle : elsewhere);
    QVERIFY(middle > 50);
    QCOMPARE(elsewhere, 0);
    // Either pointer null clears.
    view.setPlan(&m_lg, nullptr);
    QVERIFY(!view.hasPlan());
    view.setPlan(nullptr, &m_plan);
    QVERIFY(!view.hasPlan());
}

void TestPatchView::vwwSplit121()
{
    const QString path = tstest::modelPath("tinyengine_vww");
    TS_REQUIRE_MODEL(path);
    auto model = importTfliteFile(path.toStdString());
    QVERIFY(model.ok());
    LegalizeOptions lo;
    lo.quantizedIo = true;
    const LegalGraph lg = legalize(*model, lo);
    auto plan = planPatches(lg, storedOrder(lg), 121, 3, 3, PatchOptions{});
    QVERIFY(plan.ok());
    PatchView view;
    view.setPlan(&lg, &*plan);
    view.setHighlightedPatch(4);
    const QImage img = grabAt(view, QSize(900, 560));
    QVERIFY(countNear(img, blended(PatchView::haloColor(), PatchView::inputBackground()), view.inputRect().toRect()) > 100);
    QVERIFY(view.caption().contains(QString::fromUtf8("input patch %1×%2").arg(plan->inputPatchH).arg(plan->inputPatchW)));
    // For a look at it: TINYSTUDIO_PATCHVIEW_PNG=/tmp/patchview.png
    const QString out = qEnvironmentVariable("TINYSTUDIO_PATCHVIEW_PNG");
    if (!out.isEmpty()) {
        qInfo().noquote() << view.caption() << "\n" << view.patchDescription(4) << "\n" << view.patchDescription(0);
        QVERIFY(img.save(out));
        view.setHighlightedPatch(-1);
        QVERIFY(grabAt(view, QSize(900, 560)).save(QString(out).replace(".png", "_plain.png")));
    }
}

QTEST_MAIN(TestPatchView)
#include "tst_patchview.moc"
