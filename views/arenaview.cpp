#include "views/arenaview.h"

#include "report/inspect_report.h"

#include <qcustomplot.h>

#include <QLocale>
#include <QTabBar>
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

// Step ticks labelled with the layer id of the op at that step ("#12"), the numbering the chart,
// the op table and the hover text use.
class LayerTicker : public QCPAxisTickerFixed {
public:
    LayerTicker()
    {
        setTickStep(1.0);
        setScaleStrategy(QCPAxisTickerFixed::ssMultiples);
    }
    std::vector<int> layer; // per step: imported op index, or -1
protected:
    QString getTickLabel(double tick, const QLocale& locale, QChar formatChar, int precision) override
    {
        const long s = std::lround(tick);
        if (s >= 0 && size_t(s) < layer.size() && layer[size_t(s)] >= 0)
            return QStringLiteral("#%1").arg(layer[size_t(s)]);
        return layer.empty() ? QCPAxisTickerFixed::getTickLabel(tick, locale, formatChar, precision) : QString();
    }
};

namespace {

QString bytesText(int64_t bytes)
{
    const QLocale en(QLocale::English);
    if (bytes < 1024)
        return QStringLiteral("%1 B").arg(bytes);
    return QStringLiteral("%1 B (%2 KiB)").arg(en.toString(qlonglong(bytes)), QString::number(double(bytes) / 1024.0, 'f', 1));
}

QString kib(int64_t bytes) { return formatBytes(bytes); } // the headline's units (KiB, MiB)

} // namespace

QColor ArenaView::roleColor(Role role)
{
    switch (role) {
    case Role::GraphInput: return QColor(52, 120, 196);    // blue
    case Role::GraphOutput: return QColor(230, 126, 34);   // orange
    case Role::Intermediate: return QColor(149, 165, 180); // slate
    case Role::InPlace: return QColor(39, 174, 96);        // green
    case Role::Scratch: return QColor(142, 68, 173);       // purple
    case Role::Split: return QColor(22, 160, 133);         // teal
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
    case Role::Split: return tr("split tensor (stitched)");
    }
    return {};
}

ArenaView::ArenaView(QWidget* parent) : QWidget(parent)
{
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(0);
    m_tabs = new QTabBar(this);
    m_tabs->setObjectName("arenaStages");
    m_tabs->setDocumentMode(true);
    m_tabs->setExpanding(false);
    m_tabs->setDrawBase(false);
    m_tabs->setVisible(false);
    layout->addWidget(m_tabs);
    connect(m_tabs, &QTabBar::currentChanged, this, [this](int i) {
        if (i >= 0 && i != m_stage && i < stageCount())
            setStage(i);
    });
    m_plot = new QCustomPlot(this);
    m_plot->setObjectName("arenaView");
    layout->addWidget(m_plot);
    m_plot->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
    m_plot->axisRect()->setRangeDrag(Qt::Horizontal | Qt::Vertical);
    m_plot->axisRect()->setRangeZoom(Qt::Horizontal | Qt::Vertical);
    m_plot->setMouseTracking(true);
    m_plot->xAxis->setLabel(tr("layer (#imported op index, in run order)"));
    m_plot->yAxis->setLabel(tr("arena offset (KiB)"));
    m_ticker = QSharedPointer<LayerTicker>(new LayerTicker);
    m_plot->xAxis->setTicker(m_ticker);
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
    m_splitLine = new QCPItemStraightLine(m_plot);
    m_splitLine->setPen(QPen(roleColor(Role::Split).darker(130), 1.5, Qt::DashDotLine));
    m_splitLine->setVisible(false);
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
    // A label sits above its line unless that would leave the plot (a short dock, a fitted
    // view): then below it.
    connect(m_plot, &QCustomPlot::beforeReplot, this, [this] {
        const int top = m_plot->axisRect()->top();
        for (QCPItemText* t : {m_peakLabel, m_budgetLabel}) {
            const double y = m_plot->yAxis->coordToPixel(t->position->value());
            const Qt::Alignment h = t->positionAlignment() & Qt::AlignHorizontal_Mask;
            t->setPositionAlignment(h | (y - top < 18 ? Qt::AlignTop : Qt::AlignBottom));
        }
    });

    load(nullptr, nullptr, 0);
}

ArenaView::~ArenaView() = default;

void ArenaView::setResult(PipelineSnapshot result)
{
    const PipelineSnapshot previous = std::move(m_result); // lives until the view has moved on
    m_result = std::move(result);
    const PipelineResult* r = m_result.get();
    load(r ? &r->analysis : nullptr, r && r->patched() ? &*r->patch : nullptr, r ? r->arenaBudget() : 0);
}

void ArenaView::setAnalysis(const Analysis* a, int64_t budgetBytes)
{
    const PipelineSnapshot previous = std::move(m_result);
    load(a, nullptr, budgetBytes);
}

namespace {

// Bytes a tensor takes when held whole in the arena (the patch planner's rounding).
int64_t heldBytes(const Graph& g, int tensor, int alignment)
{
    return tensor >= 0 && size_t(tensor) < g.tensors.size() ? alignedTensorBytes(g, tensor, alignment) : 0;
}

bool validLayout(const LegalGraph* lg, const MemoryAnalysis* m, const ArenaPlan* p)
{
    return lg && m && p && p->offsets.size() == m->buffers.size();
}

} // namespace

void ArenaView::load(const Analysis* a, const PatchPlan* patch, int64_t budgetBytes)
{
    const bool wasPatched = m_stages.size() > 1;
    const int previous = stage() ? stage()->kind : -1;
    m_analysis = a;
    m_budget = budgetBytes;
    m_stages.clear();
    if (a) {
        Stage whole;
        whole.legal = &a->legal;
        whole.memory = &a->memory;
        whole.plan = &a->plan;
        whole.peak = a->plan.peakBytes;
        if (patch && patch->largestPatch >= 0 && size_t(patch->largestPatch) < patch->patchLayoutOf.size()
            && size_t(patch->patchLayoutOf[size_t(patch->largestPatch)]) < patch->patchLayouts.size() && patch->stage2) {
            const Graph& g = a->legal.graph;
            const StageLayout& l1 = patch->patchLayouts[size_t(patch->patchLayoutOf[size_t(patch->largestPatch)])];
            const Region& lp = patch->patches[size_t(patch->largestPatch)];
            Stage s1;
            s1.legal = &l1.graph;
            s1.memory = &l1.memory;
            s1.plan = &l1.plan;
            s1.base = l1.base;
            s1.peak = patch->stage1Peak;
            s1.splitTensor = patch->split.tensor;
            const int align = l1.memory.alignment;
            // Who writes the split tensor, and which tensor stage 1 reads whole (a resident input).
            int splitProducer = -1;
            for (size_t o = 0; o < l1.graph.graph.ops.size(); ++o) {
                const Op& op = l1.graph.graph.ops[o];
                const int src = o < l1.graph.sourceOp.size() ? l1.graph.sourceOp[o] : -1;
                for (int t : op.outputs)
                    if (t == patch->split.tensor)
                        splitProducer = src;
            }
            if (patch->inputOffset >= 0) {
                // The plan says which tensor stage 1 holds whole at inputOffset (the resident input,
                // or stage 0's output); a click on it reports the first layer that reads it.
                const int resident = patch->split.source;
                int reader = -1;
                for (size_t s = 0; s < l1.memory.steps.size() && reader < 0; ++s) {
                    const int o = l1.memory.steps[s].op;
                    if (o < 0 || size_t(o) >= l1.graph.graph.ops.size())
                        continue;
                    const auto& ins = l1.graph.graph.ops[size_t(o)].inputs;
                    if (std::find(ins.begin(), ins.end(), resident) != ins.end())
                        reader = size_t(o) < l1.graph.sourceOp.size() ? l1.graph.sourceOp[size_t(o)] : -1;
                }
                s1.extras.push_back({resident, patch->inputOffset, heldBytes(g, resident, align), Role::GraphInput, reader});
            }
            s1.extras.push_back({patch->split.tensor, patch->stage1SplitOffset, heldBytes(g, patch->split.tensor, align),
                                 Role::Split, splitProducer});
            s1.name = tr("stage 1, per patch (largest: patch %1 of %2×%3, rows %4–%5, cols %6–%7 of the split tensor)")
                          .arg(patch->largestPatch + 1)
                          .arg(patch->nh)
                          .arg(patch->nw)
                          .arg(lp.y0)
                          .arg(lp.y1 - 1)
                          .arg(lp.x0)
                          .arg(lp.x1 - 1);
            s1.tab = tr("Stage 1 (per patch, largest patch) · %1").arg(kib(s1.peak));
            Stage s2;
            const StageLayout& l2 = *patch->stage2;
            s2.legal = &l2.graph;
            s2.memory = &l2.memory;
            s2.plan = &l2.plan;
            s2.base = l2.base;
            s2.peak = patch->stage2Peak;
            s2.splitTensor = patch->split.tensor;
            s2.stepOffset = patch->split.step + 1;
            s2.name = tr("stage 2, whole tensors after the split");
            s2.tab = tr("Stage 2 · %1").arg(kib(s2.peak));
            s1.kind = kStage1;
            s2.kind = kStage2;
            whole.kind = kWhole;
            // Stage 0: ops before the patches (e.g. a TRANSPOSE from NCHW) on whole tensors.
            std::optional<Stage> s0;
            if (patch->stage0 && patch->split.prefix > 0 && validLayout(&patch->stage0->graph, &patch->stage0->memory, &patch->stage0->plan)) {
                const StageLayout& l0 = *patch->stage0;
                s0 = Stage{};
                s0->kind = kStage0;
                s0->legal = &l0.graph;
                s0->memory = &l0.memory;
                s0->plan = &l0.plan;
                s0->base = l0.base;
                s0->peak = patch->stage0Peak;
                s0->name = tr("stage 0, whole tensors before the patches");
                s0->tab = tr("Stage 0 · %1").arg(kib(s0->peak));
                s1.stepOffset = patch->split.prefix;
            }
            whole.name = tr("whole tensors (not run)");
            whole.splitAfter = patch->split.step;
            whole.tab = tr("Whole tensors (not run) · %1").arg(kib(whole.peak));
            if (validLayout(s1.legal, s1.memory, s1.plan) && validLayout(s2.legal, s2.memory, s2.plan)) {
                if (s0)
                    m_stages.push_back(std::move(*s0));
                m_stages.push_back(std::move(s1));
                m_stages.push_back(std::move(s2));
            }
        }
        if (!m_stages.empty())
            m_stages.push_back(std::move(whole));
        else if (validLayout(whole.legal, whole.memory, whole.plan))
            m_stages.push_back(std::move(whole));
    }
    const bool patched = m_stages.size() > 1;
    if (!patched)
        m_userStage = false;
    m_stage = 0;
    if (patched && wasPatched && m_userStage && stageIndex(previous) >= 0) {
        m_stage = stageIndex(previous);
    } else if (patched) { // the stage holding the run's peak (the first of equals)
        for (int i = 0; i < stageCount(); ++i)
            if (m_stages[size_t(i)].kind != kWhole && m_stages[size_t(i)].peak > m_stages[size_t(m_stage)].peak)
                m_stage = i;
    }
    {
        const QSignalBlocker block(m_tabs);
        while (m_tabs->count() > stageCount())
            m_tabs->removeTab(m_tabs->count() - 1);
        for (int i = 0; i < stageCount(); ++i) {
            if (i < m_tabs->count())
                m_tabs->setTabText(i, m_stages[size_t(i)].tab);
            else
                m_tabs->addTab(m_stages[size_t(i)].tab);
            m_tabs->setTabToolTip(i, m_stages[size_t(i)].name);
        }
        if (patched)
            m_tabs->setCurrentIndex(m_stage);
    }
    m_tabs->setVisible(patched);
    rebuild();
    applySelection(); // keeps the selected op across re-analyses
    replotWhenShown();
}

void ArenaView::replotWhenShown()
{
    // Behind a dock tab of a shown window nothing is seen: the plot is drawn when the view shows
    // (an edit used to lay out and draw every rectangle of this hidden view).
    if (!isVisible() && window()->isVisible()) {
        m_replotPending = true;
        return;
    }
    m_replotPending = false;
    m_plot->replot();
}

void ArenaView::showEvent(QShowEvent* e)
{
    QWidget::showEvent(e);
    if (m_replotPending) {
        m_replotPending = false;
        m_plot->replot();
    }
}

void ArenaView::setStage(int stage)
{
    if (stage < 0 || stage >= stageCount())
        return;
    const bool changed = stage != m_stage;
    m_stage = stage;
    m_userStage = true;
    {
        const QSignalBlocker block(m_tabs);
        if (stage < m_tabs->count())
            m_tabs->setCurrentIndex(stage);
    }
    rebuild();
    applySelection();
    replotWhenShown();
    if (changed)
        emit stageChanged(stage);
}

QString ArenaView::stageName(int stage) const
{
    if (stage < 0 || stage >= stageCount())
        return {};
    const Stage& s = m_stages[size_t(stage)];
    return s.name.isEmpty() ? tr("whole tensors") : s.name;
}

int ArenaView::stageOf(int importedOpIndex) const
{
    if (importedOpIndex < 0 || stageCount() <= 1)
        return importedOpIndex >= 0 && stageCount() == 1 ? 0 : -1;
    for (int s = 0; s < stageCount(); ++s) {
        if (m_stages[size_t(s)].kind == kWhole)
            continue;
        const std::vector<int>& src = m_stages[size_t(s)].legal->sourceOp;
        if (std::find(src.begin(), src.end(), importedOpIndex) != src.end())
            return s;
    }
    return -1;
}

int ArenaView::stageIndex(int kind) const
{
    for (int s = 0; s < stageCount(); ++s)
        if (m_stages[size_t(s)].kind == kind)
            return s;
    return -1;
}

int ArenaView::runPeakStage() const
{
    int best = -1;
    for (int s = 0; s < stageCount(); ++s)
        if (m_stages[size_t(s)].kind != kWhole && (best < 0 || m_stages[size_t(s)].peak > m_stages[size_t(best)].peak))
            best = s;
    return best;
}

const ArenaView::Stage* ArenaView::stage() const
{
    return m_stage >= 0 && m_stage < stageCount() ? &m_stages[size_t(m_stage)] : nullptr;
}

int64_t ArenaView::shownPeakBytes() const
{
    const Stage* st = stage();
    return st ? st->peak : 0;
}

QString ArenaView::title() const { return m_peakLabel->visible() ? m_peakLabel->text() : QString(); }

void ArenaView::rebuild()
{
    m_rects.clear();
    m_bufferOpLegal.clear();
    m_tensorProducer.clear();
    const Stage* st = stage();
    for (int r = 0; r < kRoleCount; ++r)
        m_key[r]->removeFromLegend();
    if (!st) {
        m_ticker->layer.clear();
        m_rectsPlottable->items.clear();
        m_peakLine->setVisible(false);
        m_peakStepLine->setVisible(false);
        m_splitLine->setVisible(false);
        m_budgetLine->setVisible(false);
        m_peakLabel->setVisible(false);
        m_budgetLabel->setVisible(false);
        m_topKiB = 1.0;
        fit();
        return;
    }
    const MemoryAnalysis& m = *st->memory;
    const Graph& g = st->legal->graph;
    const int shift = st->stepOffset;
    m_ticker->layer.assign(size_t(shift) + m.steps.size(), -1);
    for (size_t s = 0; s < m.steps.size(); ++s) {
        const int o = m.steps[s].op;
        m_ticker->layer[size_t(shift) + s] = o >= 0 && size_t(o) < st->legal->sourceOp.size() ? st->legal->sourceOp[size_t(o)] : -1;
    }

    // Who produces what.
    m_tensorProducer.assign(g.tensors.size(), -1);
    for (size_t o = 0; o < g.ops.size(); ++o)
        for (int t : g.ops[o].outputs)
            if (t >= 0 && size_t(t) < g.tensors.size())
                m_tensorProducer[size_t(t)] = int(o);
    std::vector<char> isInput(g.tensors.size(), 0), isOutput(g.tensors.size(), 0);
    for (int t : g.inputs)
        if (t >= 0 && size_t(t) < g.tensors.size())
            isInput[size_t(t)] = 1;
    for (int t : g.outputs)
        if (t >= 0 && size_t(t) < g.tensors.size())
            isOutput[size_t(t)] = 1;
    // A stage's input or output is the graph's only when the whole graph's is (stage 2 starts
    // from the split tensor, stage 1 ends with it).
    if (m_analysis && st->legal != &m_analysis->legal) {
        const Graph& wg = m_analysis->legal.graph;
        std::vector<char> wholeIn(g.tensors.size(), 0), wholeOut(g.tensors.size(), 0);
        for (int t : wg.inputs)
            if (t >= 0 && size_t(t) < wholeIn.size())
                wholeIn[size_t(t)] = 1;
        for (int t : wg.outputs)
            if (t >= 0 && size_t(t) < wholeOut.size())
                wholeOut[size_t(t)] = 1;
        isInput = std::move(wholeIn);
        isOutput = std::move(wholeOut);
    }

    m_bufferOpLegal.assign(m.buffers.size(), -1);
    bool rolePresent[kRoleCount] = {};
    size_t segments = st->extras.size();
    for (const PlanBuffer& b : m.buffers)
        segments += b.segments.size();
    m_rects.reserve(segments);
    auto& items = m_rectsPlottable->items;
    items.clear();
    items.reserve(segments);
    const int lastStep = int(m.steps.size()) - 1;
    for (const Extra& e : st->extras) {
        Rect r;
        r.tensor = e.tensor;
        r.first = shift;
        r.last = shift + std::max(lastStep, 0);
        r.offset = e.offset;
        r.size = e.size;
        r.role = e.role;
        m_rects.push_back(r);
        rolePresent[int(e.role)] = true;
        items.push_back({rectangleBounds(int(m_rects.size() - 1)), int(e.role), 0, false});
    }
    for (size_t bi = 0; bi < m.buffers.size(); ++bi) {
        const PlanBuffer& b = m.buffers[bi];
        Role role = Role::Intermediate;
        int op = -1;
        if (b.kind == PlanBuffer::Kind::Scratch) {
            role = Role::Scratch;
            if (b.scratchStep >= 0 && size_t(b.scratchStep) < m.steps.size())
                op = m.steps[size_t(b.scratchStep)].op;
        } else {
            bool in = false, out = false, split = false;
            for (int t : b.tensors)
                if (t >= 0 && size_t(t) < g.tensors.size()) {
                    in |= isInput[size_t(t)] != 0;
                    out |= isOutput[size_t(t)] != 0;
                    split |= t == st->splitTensor;
                }
            role = in      ? Role::GraphInput
                : out      ? Role::GraphOutput
                : split    ? Role::Split
                : b.tensors.size() > 1 ? Role::InPlace
                                       : Role::Intermediate;
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
            r.first = s.first + shift;
            r.last = s.last + shift;
            r.offset = st->base + st->plan->segmentOffset(m, int(bi), k);
            r.size = s.size;
            r.role = role;
            m_rects.push_back(r);
            items.push_back({rectangleBounds(int(m_rects.size() - 1)), int(role), int(bi % ArenaRectsPlottable::kShades), false});
        }
    }
    for (int r = 0; r < kRoleCount; ++r)
        if (rolePresent[r])
            m_key[r]->addToLegend();

    const int64_t peak = st->peak;
    const double peakKiB = double(peak) / 1024.0;
    m_peakLine->point1->setCoords(0, peakKiB);
    m_peakLine->point2->setCoords(1, peakKiB);
    m_peakLine->setVisible(peak > 0);
    QString peakText;
    const PatchPlan* patch = m_result && m_result->patched() && stageCount() > 1 ? &*m_result->patch : nullptr;
    if (stageCount() <= 1) {
        peakText = tr("plan peak %1 · lower bound %2").arg(kib(peak), kib(m.lowerBound));
    } else if (st->kind == kWhole) {
        peakText = tr("whole tensors (not run): plan peak %1 · lower bound %2 · split after step %3")
                       .arg(kib(peak), kib(m.lowerBound))
                       .arg(st->splitAfter);
    } else {
        const int runPeak = runPeakStage();
        auto named = [](int kind) { return kind == kStage0 ? tr("stage 0") : kind == kStage1 ? tr("stage 1") : tr("stage 2"); };
        peakText = tr("%1 peak %2").arg(named(st->kind), kib(peak));
        if (runPeak == m_stage || m_stages[size_t(runPeak)].peak == peak)
            peakText += tr(" (the run's peak)");
        else
            peakText += tr(" (run peak %1 in %2)").arg(kib(m_stages[size_t(runPeak)].peak), named(m_stages[size_t(runPeak)].kind));
        if (st->kind == kStage1)
            peakText += tr(" · patch layout %1 at %2").arg(kib(st->plan->peakBytes), kib(st->base));
        if (st->kind == kStage2 && patch && patch->movesSplit())
            peakText += tr(" · split tensor moved from %1 to %2").arg(kib(patch->stage1SplitOffset), kib(patch->splitOffset));
    }
    if (m_analysis && m_analysis->memory.unplannedVariableBytes > 0 && st->kind != kWhole)
        peakText += tr(" · + %1 variable tensors outside the plan").arg(kib(m_analysis->memory.unplannedVariableBytes));
    if (m.peakStep >= 0 && size_t(m.peakStep) < m.steps.size()) {
        m_peakStepLine->point1->setCoords(m.peakStep + shift, 0);
        m_peakStepLine->point2->setCoords(m.peakStep + shift, 1);
        m_peakStepLine->setVisible(true);
        peakText += tr(" · busiest: %1 (step %2)").arg(opText(m.steps[size_t(m.peakStep)].op)).arg(m.peakStep + shift);
    } else {
        m_peakStepLine->setVisible(false);
    }
    // Where the stages meet, in the whole-tensor plan.
    m_splitLine->point1->setCoords(st->splitAfter + 0.5, 0);
    m_splitLine->point2->setCoords(st->splitAfter + 0.5, 1);
    m_splitLine->setVisible(st->splitAfter >= 0);
    m_peakLabel->setText(peakText);
    m_peakLabel->position->setCoords(0.005, peakKiB);
    m_peakLabel->setVisible(peak > 0);

    const int64_t budgetBytes = m_budget;
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
    const Stage* st = stage();
    const double steps = st ? double(st->memory->steps.size()) : 1.0;
    const double first = st ? st->stepOffset : 0;
    const double pad = std::max(0.5, steps * 0.01);
    m_plot->xAxis->setRange(first - 0.5 - pad, first + std::max(steps, 1.0) - 0.5 + pad);
    m_plot->yAxis->setRange(0, m_topKiB * 1.09);
    m_plot->replot(QCustomPlot::rpQueuedReplot);
}

void ArenaView::selectOp(int importedOpIndex)
{
    m_selectedOp = importedOpIndex;
    // With patches, an op selected elsewhere (table, chart) brings up the stage that runs it,
    // unless the whole-tensor comparison is shown.
    if (importedOpIndex >= 0 && stageCount() > 1 && stage()->kind != kWhole) {
        const int runs = stageOf(importedOpIndex);
        if (runs >= 0 && runs != m_stage) {
            setStage(runs);
            return;
        }
    }
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
    const Stage* st = stage();
    if (!st || m_selectedOp < 0 || items.size() != m_rects.size())
        return;
    const MemoryAnalysis& m = *st->memory;
    const LegalGraph& lg = *st->legal;
    const Graph& g = lg.graph;
    std::vector<char> mark(m.buffers.size(), 0);
    std::vector<int> tensors; // read or written by the op (for tensors held outside the layout)
    int step = -1;
    for (size_t s = 0; s < m.steps.size(); ++s) {
        const int op = m.steps[s].op;
        if (op < 0 || size_t(op) >= lg.sourceOp.size() || lg.sourceOp[size_t(op)] != m_selectedOp)
            continue;
        step = int(s);
        const Op& o = g.ops[size_t(op)];
        for (const std::vector<int>* list : {&o.inputs, &o.outputs})
            for (int t : *list) {
                tensors.push_back(t);
                if (t >= 0 && size_t(t) < m.tensorBuffer.size() && m.tensorBuffer[size_t(t)] >= 0)
                    mark[size_t(m.tensorBuffer[size_t(t)])] = 1;
            }
        for (size_t b = 0; b < m.buffers.size(); ++b)
            if (m.buffers[b].kind == PlanBuffer::Kind::Scratch && m.buffers[b].scratchStep == int(s))
                mark[b] = 1;
    }
    if (step < 0)
        return;
    for (size_t i = 0; i < m_rects.size(); ++i) {
        const Rect& r = m_rects[i];
        const bool hit = r.buffer >= 0 ? mark[size_t(r.buffer)] != 0
                                       : std::find(tensors.begin(), tensors.end(), r.tensor) != tensors.end();
        if (hit) {
            items[i].highlighted = true;
            m_rectsPlottable->anyHighlighted = true;
        }
    }
    m_selectionBand->topLeft->setCoords(step + st->stepOffset - 0.5, 0);
    m_selectionBand->bottomRight->setCoords(step + st->stepOffset + 0.5, 1);
    m_selectionBand->setVisible(true);
}

int ArenaView::rectangleAt(double x, double y) const
{
    const double bytes = y * 1024.0;
    // Layout buffers are drawn over the tensors held outside them: search them first.
    for (size_t i = m_rects.size(); i-- > 0;) {
        const Rect& r = m_rects[i];
        if (x >= r.first - 0.5 && x < r.last + 0.5 && bytes >= double(r.offset) && bytes < double(r.offset + r.size))
            return int(i);
    }
    return -1;
}

int ArenaView::bufferOp(int buffer) const
{
    const Stage* st = stage();
    if (!st || buffer < 0 || size_t(buffer) >= m_bufferOpLegal.size())
        return -1;
    const int op = m_bufferOpLegal[size_t(buffer)];
    if (op < 0 || size_t(op) >= st->legal->sourceOp.size())
        return -1;
    return st->legal->sourceOp[size_t(op)];
}

int ArenaView::opAt(double x, double y) const
{
    const int r = rectangleAt(x, y);
    if (r < 0)
        return -1;
    const Rect& rect = m_rects[size_t(r)];
    if (rect.buffer >= 0)
        return bufferOp(rect.buffer);
    const Stage* st = stage();
    for (const Extra& e : st ? st->extras : std::vector<Extra>{})
        if (e.tensor == rect.tensor)
            return e.op;
    return -1;
}

QString ArenaView::opText(int legalOp) const
{
    const Stage* st = stage();
    if (!st || legalOp < 0 || size_t(legalOp) >= st->legal->graph.ops.size())
        return tr("no op");
    const int imported = size_t(legalOp) < st->legal->sourceOp.size() ? st->legal->sourceOp[size_t(legalOp)] : -1;
    return QStringLiteral("#%1 %2").arg(imported).arg(QString::fromStdString(opKindName(st->legal->graph.ops[size_t(legalOp)].kind)));
}

QString ArenaView::describe(int rect) const
{
    const Stage* st = stage();
    if (!st || rect < 0 || size_t(rect) >= m_rects.size())
        return {};
    const Rect& r = m_rects[size_t(rect)];
    const MemoryAnalysis& m = *st->memory;
    const Graph& g = st->legal->graph;
    const int shift = st->stepOffset;
    auto tensorLine = [&](const QString& bullet, int t) {
        const Tensor& x = g.tensors[size_t(t)];
        // The whole tensor's shape (a stage-1 layout holds regions of it).
        const Tensor& whole = m_analysis && size_t(t) < m_analysis->legal.graph.tensors.size() ? m_analysis->legal.graph.tensors[size_t(t)] : x;
        const int producer = size_t(t) < m_tensorProducer.size() ? m_tensorProducer[size_t(t)] : -1;
        QString shape = QString::fromStdString(shapeString(x.shape));
        if (whole.shape != x.shape)
            shape += tr(" (region of %1)").arg(QString::fromStdString(shapeString(whole.shape)));
        return QStringLiteral("<br>%1 <tt>%2</tt> %3 %4 ← %5")
            .arg(bullet, QString::fromStdString(x.name).toHtmlEscaped(), QString::fromLatin1(dtypeName(x.dtype)), shape,
                 producer >= 0 ? opText(producer) : tr("graph input"));
    };
    if (r.buffer < 0) { // a tensor held whole outside the stage-1 layout
        if (r.tensor < 0 || size_t(r.tensor) >= g.tensors.size())
            return {};
        QString html = QStringLiteral("<b>%1</b><br><span style='color:%2'>&#9632;</span> %3")
                           .arg(QString::fromStdString(g.tensors[size_t(r.tensor)].name).toHtmlEscaped(), roleColor(r.role).name(),
                                r.role == Role::Split ? tr("split tensor, held whole: every patch writes its tile into it")
                                                      : tr("input frame, held whole while the patches run"));
        html += tensorLine(QStringLiteral("•"), r.tensor);
        html += tr("<br>size %1").arg(bytesText(r.size));
        html += tr("<br>offset %1 … %2").arg(bytesText(r.offset), bytesText(r.offset + r.size));
        html += tr("<br>live through all of stage 1 (steps %1..%2)").arg(r.first).arg(r.last);
        if (r.role == Role::Split && m_result && m_result->patched() && m_result->patch->movesSplit())
            html += tr("<br>moved to offset %1 before stage 2").arg(bytesText(m_result->patch->splitOffset));
        return html;
    }
    const PlanBuffer& b = m.buffers[size_t(r.buffer)];
    QString html = QStringLiteral("<b>%1</b><br><span style='color:%2'>&#9632;</span> %3 · buffer %4")
                       .arg(QString::fromStdString(b.label).toHtmlEscaped(), roleColor(r.role).name(), roleName(r.role))
                       .arg(r.buffer);
    if (stageCount() > 1)
        html += QStringLiteral(" · ") + stageName(m_stage).toHtmlEscaped();
    if (b.kind == PlanBuffer::Kind::Scratch) {
        const int op = m_bufferOpLegal[size_t(r.buffer)];
        html += tr("<br>used by %1 at step %2").arg(opText(op)).arg(b.scratchStep + shift);
    } else {
        const size_t shown = std::min<size_t>(b.tensors.size(), 8);
        for (size_t i = 0; i < shown; ++i) {
            const int t = b.tensors[i];
            if (t < 0 || size_t(t) >= g.tensors.size())
                continue;
            html += tensorLine(i == 0 ? QStringLiteral("•") : QStringLiteral("↳"), t);
        }
        if (b.tensors.size() > shown)
            html += tr("<br>… and %1 more").arg(b.tensors.size() - shown);
    }
    html += tr("<br>size %1").arg(bytesText(r.size));
    if (b.segments.size() > 1)
        html += tr(" (segment %1 of %2, largest %3)").arg(r.segment + 1).arg(b.segments.size()).arg(bytesText(b.maxSize()));
    html += tr("<br>offset %1 … %2").arg(bytesText(r.offset), bytesText(r.offset + r.size));
    html += tr("<br>lifetime steps %1..%2 (%3 steps)").arg(b.first() + shift).arg(b.last() + shift).arg(b.last() - b.first() + 1);
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
