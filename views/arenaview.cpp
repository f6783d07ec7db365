#include "views/arenaview.h"

#include <qcustomplot.h>

#include <QLocale>
#include <QToolTip>
#include <QVBoxLayout>

#include <algorithm>
#include <array>
#include <cmath>

namespace ts {

// All rectangles of the plan in one plottable: one pass per style with QPainter::drawRects, so a
// few hundred segments cost a few milliseconds, and restyling needs no new items.
class ArenaRectsPlottable : public QCPAbstractPlottable {
public:
    struct Item {
        QRectF r; // plot coordinates: left/right in steps, top/bottom in KiB (top < bottom here)
        int role = 0;
        int shade = 0; // neighbours in a role alternate shades so their edges read
        bool highlighted = false;
    };

    ArenaRectsPlottable(QCPAxis* keyAxis, QCPAxis* valueAxis) : QCPAbstractPlottable(keyAxis, valueAxis)
    {
        setSelectable(QCP::stNone);
        setAntialiased(false);
        setAntialiasedFill(false);
    }

    static constexpr int kShades = 3;
    std::vector<Item> items;
    bool anyHighlighted = false;
    std::array<QColor, ArenaView::kRoleCount> colours;

    double selectTest(const QPointF&, bool, QVariant*) const override { return -1; }

    QCPRange getKeyRange(bool& found, QCP::SignDomain) const override
    {
        found = !items.empty();
        QCPRange r(0, 1);
        for (size_t i = 0; i < items.size(); ++i) {
            if (i == 0)
                r = QCPRange(items[i].r.left(), items[i].r.right());
            r.expand(QCPRange(items[i].r.left(), items[i].r.right()));
        }
        return r;
    }

    QCPRange getValueRange(bool& found, QCP::SignDomain, const QCPRange&) const override
    {
        found = !items.empty();
        QCPRange r(0, 1);
        for (size_t i = 0; i < items.size(); ++i) {
            if (i == 0)
                r = QCPRange(items[i].r.top(), items[i].r.bottom());
            r.expand(QCPRange(items[i].r.top(), items[i].r.bottom()));
        }
        return r;
    }

protected:
    void draw(QCPPainter* painter) override
    {
        QCPAxis* kx = mKeyAxis.data();
        QCPAxis* vy = mValueAxis.data();
        if (!kx || !vy || items.empty())
            return;
        const QCPRange kr = kx->range(), vr = vy->range();
        // Per style: [role * kShades + shade][0 = plain, 1 = dimmed, 2 = highlighted].
        std::array<std::array<QVector<QRectF>, 3>, ArenaView::kRoleCount * kShades> batches;
        for (const Item& it : items) {
            if (it.r.right() < kr.lower || it.r.left() > kr.upper || it.r.bottom() < vr.lower || it.r.top() > vr.upper)
                continue;
            const QPointF a = coordsToPixels(it.r.left(), it.r.top());
            const QPointF b = coordsToPixels(it.r.right(), it.r.bottom());
            QRectF px = QRectF(a, b).normalized();
            if (px.height() < 2) // a few bytes still show as a sliver
                px.setTop(px.bottom() - 2);
            const int style = !anyHighlighted ? 0 : it.highlighted ? 2 : 1;
            batches[size_t(it.role * kShades + it.shade)][size_t(style)].push_back(px);
        }
        painter->setAntialiasing(false);
        for (int style = 0; style < 3; ++style)
            for (int rs = 0; rs < ArenaView::kRoleCount * kShades; ++rs) {
                const QVector<QRectF>& v = batches[size_t(rs)][size_t(style)];
                if (v.isEmpty())
                    continue;
                const QColor base = colours[size_t(rs / kShades)];
                QColor fill = rs % kShades == 0 ? base : rs % kShades == 1 ? base.lighter(118) : base.darker(112);
                QPen pen(base.darker(160), 0);
                if (style == 1) {
                    fill = QColor::fromHsvF(fill.hsvHueF(), fill.hsvSaturationF() * 0.25, 0.97);
                    pen.setColor(fill.darker(115));
                } else if (style == 2) {
                    pen = QPen(QColor(20, 20, 20), 2);
                    pen.setJoinStyle(Qt::MiterJoin);
                }
                painter->setBrush(fill);
                painter->setPen(pen);
                painter->drawRects(v.constData(), int(v.size()));
            }
    }

    void drawLegendIcon(QCPPainter*, const QRectF&) const override {}
};

namespace {

QString bytesText(int64_t bytes)
{
    const QLocale en(QLocale::English);
    if (bytes < 1024)
        return QStringLiteral("%1 B").arg(bytes);
    return QStringLiteral("%1 B (%2 KiB)").arg(en.toString(qlonglong(bytes)), QString::number(double(bytes) / 1024.0, 'f', 1));
}

QString kib(int64_t bytes) { return QString::number(double(bytes) / 1024.0, 'f', 1) + " KiB"; }

} // namespace

QColor ArenaView::roleColor(Role role)
{
    switch (role) {
    case Role::GraphInput: return QColor(52, 120, 196);    // blue
    case Role::GraphOutput: return QColor(230, 126, 34);   // orange
    case Role::Intermediate: return QColor(149, 165, 180); // slate
    case Role::InPlace: return QColor(39, 174, 96);        // green
    case Role::Scratch: return QColor(142, 68, 173);       // purple
    }
    return Qt::gray;
}

QString ArenaView::roleName(Role role)
{
    switch (role) {
    case Role::GraphInput: return tr("graph input");
    case Role::GraphOutput: return tr("graph output");
    case Role::Intermediate: return tr("activation");
    case Role::InPlace: return tr("in-place chain / alias");
    case Role::Scratch: return tr("kernel scratch");
    }
    return {};
}

ArenaView::ArenaView(QWidget* parent) : QWidget(parent)
{
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    m_plot = new QCustomPlot(this);
    m_plot->setObjectName("arenaView");
    layout->addWidget(m_plot);
    m_plot->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
    m_plot->axisRect()->setRangeDrag(Qt::Horizontal | Qt::Vertical);
    m_plot->axisRect()->setRangeZoom(Qt::Horizontal | Qt::Vertical);
    m_plot->setMouseTracking(true);
    m_plot->xAxis->setLabel(tr("step"));
    m_plot->yAxis->setLabel(tr("arena offset (KiB)"));
    QSharedPointer<QCPAxisTickerFixed> steps(new QCPAxisTickerFixed);
    steps->setTickStep(1.0);
    steps->setScaleStrategy(QCPAxisTickerFixed::ssMultiples);
    m_plot->xAxis->setTicker(steps);
    const QPen grid(QColor(228, 228, 228), 0, Qt::SolidLine);
    m_plot->xAxis->grid()->setPen(grid);
    m_plot->yAxis->grid()->setPen(grid);
    m_plot->xAxis->grid()->setZeroLinePen(grid);
    m_plot->yAxis->grid()->setZeroLinePen(grid);

    // Behind everything: the selected step.
    m_selectionBand = new QCPItemRect(m_plot);
    m_selectionBand->setLayer("background");
    m_selectionBand->topLeft->setTypeY(QCPItemPosition::ptAxisRectRatio);
    m_selectionBand->bottomRight->setTypeY(QCPItemPosition::ptAxisRectRatio);
    m_selectionBand->setPen(Qt::NoPen);
    m_selectionBand->setBrush(QColor(255, 221, 87, 110));
    m_selectionBand->setVisible(false);

    m_rectsPlottable = new ArenaRectsPlottable(m_plot->xAxis, m_plot->yAxis);
    m_rectsPlottable->setName(tr("buffers"));
    m_rectsPlottable->removeFromLegend();

    // Colour key: empty bar plottables, only for their legend entries.
    for (int r = 0; r < kRoleCount; ++r) {
        const QColor c = roleColor(Role(r));
        m_rectsPlottable->colours[size_t(r)] = c;
        m_key[r] = new QCPBars(m_plot->xAxis, m_plot->yAxis);
        m_key[r]->setName(roleName(Role(r)));
        m_key[r]->setBrush(c);
        m_key[r]->setPen(QPen(c.darker(150), 0));
    }

    m_peakLine = new QCPItemStraightLine(m_plot);
    m_peakLine->setPen(QPen(QColor(40, 40, 40), 1.2, Qt::DashLine));
    m_peakStepLine = new QCPItemStraightLine(m_plot);
    m_peakStepLine->setPen(QPen(QColor(40, 40, 40), 1.0, Qt::DotLine));
    m_budgetLine = new QCPItemStraightLine(m_plot);
    m_budgetLine->setPen(QPen(QColor(192, 57, 43), 1.5, Qt::DashLine));
    const QFont labelFont(font().family(), 8);
    auto makeLabel = [&](Qt::Alignment a, const QColor& colour) {
        auto* t = new QCPItemText(m_plot);
        t->position->setTypeX(QCPItemPosition::ptAxisRectRatio);
        t->setPositionAlignment(a);
        t->setFont(labelFont);
        t->setColor(colour);
        t->setBrush(QColor(255, 255, 255, 200));
        t->setPadding(QMargins(3, 1, 3, 1));
        return t;
    };
    m_peakLabel = makeLabel(Qt::AlignLeft | Qt::AlignBottom, QColor(40, 40, 40));
    m_peakLabel->position->setCoords(0.005, 0);
    m_budgetLabel = makeLabel(Qt::AlignRight | Qt::AlignBottom, QColor(192, 57, 43));
    m_budgetLabel->position->setCoords(0.995, 0);

    // The colour key in a row above the axis rect, so it never hides the top of the plan.
    m_plot->axisRect()->insetLayout()->take(m_plot->legend);
    m_plot->plotLayout()->insertRow(0);
    auto* keyRow = new QCPLayoutGrid;
    m_plot->plotLayout()->addElement(0, 0, keyRow);
    keyRow->addElement(0, 0, new QCPLayoutElement(m_plot));
    keyRow->addElement(0, 1, m_plot->legend);
    keyRow->addElement(0, 2, new QCPLayoutElement(m_plot));
    keyRow->setColumnStretchFactors({1.0, 0.001, 1.0});
    keyRow->setMargins(QMargins(0, 4, 0, 0));
    m_plot->plotLayout()->setRowStretchFactor(0, 0.001);
    m_plot->legend->setFillOrder(QCPLayoutGrid::foColumnsFirst);
    m_plot->legend->setBorderPen(Qt::NoPen);
    m_plot->legend->setBrush(Qt::NoBrush);
    m_plot->legend->setFont(labelFont);
    m_plot->legend->setIconSize(14, 10);
    m_plot->legend->setColumnSpacing(12);
    m_plot->legend->setVisible(true);

    connect(m_plot, &QCustomPlot::mousePress, this, [this](QMouseEvent* e) {
        m_pressed = e->button() == Qt::LeftButton;
        m_pressPos = e->pos();
        QToolTip::hideText();
    });
    connect(m_plot, &QCustomPlot::mouseRelease, this, [this](QMouseEvent* e) {
        // A click, not the end of a drag.
        const bool click = m_pressed && e->button() == Qt::LeftButton && (e->pos() - m_pressPos).manhattanLength() <= 3;
        m_pressed = false;
        if (!click)
            return;
        const int op = opAt(m_plot->xAxis->pixelToCoord(e->pos().x()), m_plot->yAxis->pixelToCoord(e->pos().y()));
        if (op >= 0)
            emit opClicked(op);
    });
    connect(m_plot, &QCustomPlot::mouseMove, this, &ArenaView::onMouseMove);

    setAnalysis(nullptr, 0);
}

ArenaView::~ArenaView() = default;

void ArenaView::setResult(PipelineSnapshot result)
{
    PipelineSnapshot keep = std::move(result); // the previous snapshot lives until the view has moved on
    setAnalysis(keep ? &keep->analysis : nullptr, keep ? keep->arenaBudget() : 0);
    m_result = std::move(keep);
}

void ArenaView::setAnalysis(const Analysis* a, int64_t budgetBytes)
{
    m_analysis = a;
    rebuild(budgetBytes);
    applySelection(); // keeps the selected op across re-analyses
    m_plot->replot();
}

void ArenaView::rebuild(int64_t budgetBytes)
{
    m_rects.clear();
    m_bufferOpLegal.clear();
    m_tensorProducer.clear();
    m_legalOpStep.clear();
    const Analysis* a = m_analysis;
    const bool valid = a && a->plan.offsets.size() == a->memory.buffers.size();
    for (int r = 0; r < kRoleCount; ++r)
        m_key[r]->removeFromLegend();
    if (!valid) {
        m_rectsPlottable->items.clear();
        m_peakLine->setVisible(false);
        m_peakStepLine->setVisible(false);
        m_budgetLine->setVisible(false);
        m_peakLabel->setVisible(false);
        m_budgetLabel->setVisible(false);
        m_topKiB = 1.0;
        fit();
        return;
    }
    const MemoryAnalysis& m = a->memory;
    const Graph& g = a->legal.graph;

    // Who produces what, and where each op runs.
    m_tensorProducer.assign(g.tensors.size(), -1);
    for (size_t o = 0; o < g.ops.size(); ++o)
        for (int t : g.ops[o].outputs)
            if (t >= 0 && size_t(t) < g.tensors.size())
                m_tensorProducer[size_t(t)] = int(o);
    m_legalOpStep.assign(g.ops.size(), -1);
    for (size_t s = 0; s < m.steps.size(); ++s)
        if (m.steps[s].op >= 0 && size_t(m.steps[s].op) < g.ops.size())
            m_legalOpStep[size_t(m.steps[s].op)] = int(s);
    std::vector<char> isInput(g.tensors.size(), 0), isOutput(g.tensors.size(), 0);
    for (int t : g.inputs)
        if (t >= 0 && size_t(t) < g.tensors.size())
            isInput[size_t(t)] = 1;
    for (int t : g.outputs)
        if (t >= 0 && size_t(t) < g.tensors.size())
            isOutput[size_t(t)] = 1;

    m_bufferOpLegal.assign(m.buffers.size(), -1);
    bool rolePresent[kRoleCount] = {};
    size_t segments = 0;
    for (const PlanBuffer& b : m.buffers)
        segments += b.segments.size();
    m_rects.reserve(segments);
    auto& items = m_rectsPlottable->items;
    items.clear();
    items.reserve(segments);
    for (size_t bi = 0; bi < m.buffers.size(); ++bi) {
        const PlanBuffer& b = m.buffers[bi];
        Role role = Role::Intermediate;
        int op = -1;
        if (b.kind == PlanBuffer::Kind::Scratch) {
            role = Role::Scratch;
            if (b.scratchStep >= 0 && size_t(b.scratchStep) < m.steps.size())
                op = m.steps[size_t(b.scratchStep)].op;
        } else {
            bool in = false, out = false;
            for (int t : b.tensors)
                if (t >= 0 && size_t(t) < g.tensors.size()) {
                    in |= isInput[size_t(t)] != 0;
                    out |= isOutput[size_t(t)] != 0;
                }
            role = in ? Role::GraphInput : out ? Role::GraphOutput : b.tensors.size() > 1 ? Role::InPlace : Role::Intermediate;
            const int root = b.tensors.empty() ? -1 : b.tensors.front();
            if (root >= 0 && size_t(root) < g.tensors.size())
                op = m_tensorProducer[size_t(root)];
            if (op < 0) // no producer (a graph input or a state tensor): the first op reading it
                for (size_t s = 0; s < m.steps.size() && op < 0; ++s) {
                    const int so = m.steps[s].op;
                    if (so < 0 || size_t(so) >= g.ops.size())
                        continue;
                    for (int t : g.ops[size_t(so)].inputs)
                        if (t >= 0 && std::find(b.tensors.begin(), b.tensors.end(), t) != b.tensors.end())
                            op = so;
                }
        }
        m_bufferOpLegal[bi] = op;
        rolePresent[int(role)] = true;
        for (size_t k = 0; k < b.segments.size(); ++k) {
            const Segment& s = b.segments[k];
            Rect r;
            r.buffer = int(bi);
            r.segment = int(k);
            r.first = s.first;
            r.last = s.last;
            r.offset = a->plan.segmentOffset(m, int(bi), k);
            r.size = s.size;
            r.role = role;
            m_rects.push_back(r);
            items.push_back({rectangleBounds(int(m_rects.size() - 1)), int(role), int(bi % ArenaRectsPlottable::kShades), false});
        }
    }
    for (int r = 0; r < kRoleCount; ++r)
        if (rolePresent[r])
            m_key[r]->addToLegend();

    const int64_t peak = a->plan.peakBytes;
    const double peakKiB = double(peak) / 1024.0;
    m_peakLine->point1->setCoords(0, peakKiB);
    m_peakLine->point2->setCoords(1, peakKiB);
    m_peakLine->setVisible(peak > 0);
    QString peakText = tr("plan peak %1 · lower bound %2").arg(kib(peak), kib(m.lowerBound));
    if (m.peakStep >= 0 && size_t(m.peakStep) < m.steps.size()) {
        m_peakStepLine->point1->setCoords(m.peakStep, 0);
        m_peakStepLine->point2->setCoords(m.peakStep, 1);
        m_peakStepLine->setVisible(true);
        peakText += tr(" · busiest step %1 (%2)").arg(m.peakStep).arg(opText(m.steps[size_t(m.peakStep)].op));
    } else {
        m_peakStepLine->setVisible(false);
    }
    m_peakLabel->setText(peakText);
    m_peakLabel->position->setCoords(0.005, peakKiB);
    m_peakLabel->setVisible(peak > 0);

    const bool showBudget = budgetBytes > 0 && peak > 0 && budgetBytes <= 3 * peak;
    const double budgetKiB = double(budgetBytes) / 1024.0;
    m_budgetLine->point1->setCoords(0, budgetKiB);
    m_budgetLine->point2->setCoords(1, budgetKiB);
    m_budgetLine->setVisible(showBudget);
    m_budgetLabel->setText(tr("budget %1").arg(kib(budgetBytes)));
    m_budgetLabel->position->setCoords(0.995, budgetKiB);
    m_budgetLabel->setVisible(showBudget);

    m_topKiB = std::max(showBudget ? std::max(peakKiB, budgetKiB) : peakKiB, 1.0 / 1024.0);
    fit();
}

QRectF ArenaView::rectangleBounds(int i) const
{
    const Rect& r = m_rects[size_t(i)];
    return QRectF(QPointF(r.first - 0.5, double(r.offset) / 1024.0), QPointF(r.last + 0.5, double(r.offset + r.size) / 1024.0));
}

bool ArenaView::isHighlighted(int i) const
{
    return i >= 0 && size_t(i) < m_rectsPlottable->items.size() && m_rectsPlottable->items[size_t(i)].highlighted;
}

void ArenaView::fit()
{
    const double steps = m_analysis ? double(m_analysis->memory.steps.size()) : 1.0;
    const double pad = std::max(0.5, steps * 0.01);
    m_plot->xAxis->setRange(-0.5 - pad, std::max(steps, 1.0) - 0.5 + pad);
    m_plot->yAxis->setRange(0, m_topKiB * 1.09);
    m_plot->replot(QCustomPlot::rpQueuedReplot);
}

void ArenaView::selectOp(int importedOpIndex)
{
    m_selectedOp = importedOpIndex;
    applySelection();
    m_plot->replot(QCustomPlot::rpQueuedReplot);
}

void ArenaView::applySelection()
{
    auto& items = m_rectsPlottable->items;
    for (auto& it : items)
        it.highlighted = false;
    m_rectsPlottable->anyHighlighted = false;
    m_selectionBand->setVisible(false);
    const Analysis* a = m_analysis;
    if (!a || m_selectedOp < 0 || items.size() != m_rects.size())
        return;
    const MemoryAnalysis& m = a->memory;
    const Graph& g = a->legal.graph;
    std::vector<char> mark(m.buffers.size(), 0);
    int step = -1;
    for (size_t s = 0; s < m.steps.size(); ++s) {
        const int op = m.steps[s].op;
        if (op < 0 || size_t(op) >= a->legal.sourceOp.size() || a->legal.sourceOp[size_t(op)] != m_selectedOp)
            continue;
        step = int(s);
        const Op& o = g.ops[size_t(op)];
        for (const std::vector<int>* list : {&o.inputs, &o.outputs})
            for (int t : *list)
                if (t >= 0 && size_t(t) < m.tensorBuffer.size() && m.tensorBuffer[size_t(t)] >= 0)
                    mark[size_t(m.tensorBuffer[size_t(t)])] = 1;
        for (size_t b = 0; b < m.buffers.size(); ++b)
            if (m.buffers[b].kind == PlanBuffer::Kind::Scratch && m.buffers[b].scratchStep == int(s))
                mark[b] = 1;
    }
    if (step < 0)
        return;
    for (size_t i = 0; i < m_rects.size(); ++i)
        if (mark[size_t(m_rects[i].buffer)]) {
            items[i].highlighted = true;
            m_rectsPlottable->anyHighlighted = true;
        }
    m_selectionBand->topLeft->setCoords(step - 0.5, 0);
    m_selectionBand->bottomRight->setCoords(step + 0.5, 1);
    m_selectionBand->setVisible(true);
}

int ArenaView::rectangleAt(double x, double y) const
{
    const double bytes = y * 1024.0;
    for (size_t i = 0; i < m_rects.size(); ++i) {
        const Rect& r = m_rects[i];
        if (x >= r.first - 0.5 && x < r.last + 0.5 && bytes >= double(r.offset) && bytes < double(r.offset + r.size))
            return int(i);
    }
    return -1;
}

int ArenaView::bufferOp(int buffer) const
{
    if (!m_analysis || buffer < 0 || size_t(buffer) >= m_bufferOpLegal.size())
        return -1;
    const int op = m_bufferOpLegal[size_t(buffer)];
    if (op < 0 || size_t(op) >= m_analysis->legal.sourceOp.size())
        return -1;
    return m_analysis->legal.sourceOp[size_t(op)];
}

int ArenaView::opAt(double x, double y) const
{
    const int r = rectangleAt(x, y);
    return r < 0 ? -1 : bufferOp(m_rects[size_t(r)].buffer);
}

QString ArenaView::opText(int legalOp) const
{
    if (!m_analysis || legalOp < 0 || size_t(legalOp) >= m_analysis->legal.graph.ops.size())
        return tr("no op");
    const int imported = size_t(legalOp) < m_analysis->legal.sourceOp.size() ? m_analysis->legal.sourceOp[size_t(legalOp)] : -1;
    return QStringLiteral("op %1 %2")
        .arg(imported)
        .arg(QString::fromStdString(opKindName(m_analysis->legal.graph.ops[size_t(legalOp)].kind)));
}

QString ArenaView::describe(int rect) const
{
    if (!m_analysis || rect < 0 || size_t(rect) >= m_rects.size())
        return {};
    const Rect& r = m_rects[size_t(rect)];
    const MemoryAnalysis& m = m_analysis->memory;
    const Graph& g = m_analysis->legal.graph;
    const PlanBuffer& b = m.buffers[size_t(r.buffer)];
    QString html = QStringLiteral("<b>%1</b><br><span style='color:%2'>&#9632;</span> %3 · buffer %4")
                       .arg(QString::fromStdString(b.label).toHtmlEscaped(), roleColor(r.role).name(), roleName(r.role))
                       .arg(r.buffer);
    if (b.kind == PlanBuffer::Kind::Scratch) {
        const int op = m_bufferOpLegal[size_t(r.buffer)];
        html += tr("<br>used by %1 at step %2").arg(opText(op)).arg(b.scratchStep);
    } else {
        const size_t shown = std::min<size_t>(b.tensors.size(), 8);
        for (size_t i = 0; i < shown; ++i) {
            const int t = b.tensors[i];
            if (t < 0 || size_t(t) >= g.tensors.size())
                continue;
            const Tensor& x = g.tensors[size_t(t)];
            const int producer = m_tensorProducer[size_t(t)];
            html += QStringLiteral("<br>%1 <tt>%2</tt> %3%4 ← %5")
                        .arg(i == 0 ? QStringLiteral("•") : QStringLiteral("↳"))
                        .arg(QString::fromStdString(x.name).toHtmlEscaped())
                        .arg(QString::fromLatin1(dtypeName(x.dtype)), QString::fromStdString(shapeString(x.shape)))
                        .arg(producer >= 0 ? opText(producer) : tr("graph input"));
        }
        if (b.tensors.size() > shown)
            html += tr("<br>… and %1 more").arg(b.tensors.size() - shown);
    }
    html += tr("<br>size %1").arg(bytesText(r.size));
    if (b.segments.size() > 1)
        html += tr(" (segment %1 of %2, largest %3)").arg(r.segment + 1).arg(b.segments.size()).arg(bytesText(b.maxSize()));
    html += tr("<br>offset %1 … %2").arg(bytesText(r.offset), bytesText(r.offset + r.size));
    html += tr("<br>lifetime steps %1..%2 (%3 steps)").arg(b.first()).arg(b.last()).arg(b.last() - b.first() + 1);
    if (b.segments.size() > 1)
        html += tr(", this size at steps %1..%2").arg(r.first).arg(r.last);
    return html;
}

void ArenaView::onMouseMove(QMouseEvent* e)
{
    if (e->buttons() != Qt::NoButton)
        return;
    const int r = rectangleAt(m_plot->xAxis->pixelToCoord(e->pos().x()), m_plot->yAxis->pixelToCoord(e->pos().y()));
    if (r < 0 || !m_plot->axisRect()->rect().contains(e->pos())) {
        QToolTip::hideText();
        return;
    }
    QToolTip::showText(e->globalPosition().toPoint(), describe(r), m_plot);
}

} // namespace ts
