#include "views/patchview.h"

#include "report/inspect_report.h"

#include <QEvent>
#include <QFontMetricsF>
#include <QHelpEvent>
#include <QMouseEvent>
#include <QPainter>
#include <QRegion>
#include <QToolTip>

#include <algorithm>
#include <cmath>
#include <set>
#include <vector>

namespace ts {

namespace {

constexpr double kMargin = 10;
constexpr double kGap = 8;

const QColor kGridColor(150, 160, 176);
const QColor kOutlineColor(64, 74, 90, 150);
const QColor kFocusColor(28, 78, 150);
const QColor kTitleColor(96, 104, 116);

QString shapeText(const std::vector<int32_t>& shape)
{
    QStringList dims;
    for (int32_t d : shape)
        dims << QString::number(d);
    return "[" + dims.join(",") + "]";
}

QString tensorName(const LegalGraph& lg, int t)
{
    const Tensor* tensor = lg.graph.tensor(t);
    if (!tensor)
        return QString("#%1").arg(t);
    return tensor->name.empty() ? QString("#%1").arg(t) : QString::fromStdString(tensor->name);
}

// Rows/cols as an inclusive range for people: "12–27".
QString span(int a, int b) { return b - a <= 1 ? QString::number(a) : QString("%1–%2").arg(a).arg(b - 1); }

Region intersect(const Region& a, const Region& b)
{
    return Region{std::max(a.y0, b.y0), std::min(a.y1, b.y1), std::max(a.x0, b.x0), std::min(a.x1, b.x1)};
}

bool containsPoint(const Region& r, double y, double x) { return y >= r.y0 && y < r.y1 && x >= r.x0 && x < r.x1; }

double distanceTo(const Region& r, double y, double x)
{
    const double dy = y < r.y0 ? r.y0 - y : (y >= r.y1 ? y - r.y1 : 0.0);
    const double dx = x < r.x0 ? r.x0 - x : (x >= r.x1 ? x - r.x1 : 0.0);
    return std::hypot(dy, dx);
}

// The largest h×w-proportioned rectangle in `box`, at its top left, on whole pixels.
QRectF fitAspect(const QRectF& box, double h, double w)
{
    if (box.width() < 2 || box.height() < 2 || h <= 0 || w <= 0)
        return {};
    const double scale = std::min(box.width() / w, box.height() / h);
    const QSizeF size(std::max(1.0, std::floor(w * scale)), std::max(1.0, std::floor(h * scale)));
    return QRectF(QPointF(std::round(box.left()), std::round(box.top())), size);
}

struct LegendItem {
    QColor fill;          // invalid: no fill
    QPen pen = Qt::NoPen; // the swatch border
    QString text;
    bool box = true;      // false: text only
};

std::vector<LegendItem> legendItems(bool focused)
{
    std::vector<LegendItem> items;
    if (focused) {
        items.push_back({PatchView::coreColor(), QPen(kFocusColor, 1), PatchView::tr("this patch only")});
        items.push_back({PatchView::haloColor(), QPen(Qt::NoPen), PatchView::tr("halo: shared with neighbours")});
    } else {
        QColor shared = PatchView::haloColor();
        shared.setAlpha(60);
        items.push_back({shared, QPen(Qt::NoPen), PatchView::tr("read by 2+ patches")});
    }
    items.push_back({QColor(), QPen(kOutlineColor, 1), PatchView::tr("input regions")});
    items.push_back({QColor(), QPen(kGridColor, 1, Qt::DashLine), PatchView::tr("tiles mapped to the input")});
    if (!focused)
        items.push_back({QColor(), QPen(Qt::NoPen), PatchView::tr("hover a patch for its halo"), false});
    return items;
}

// Lays the legend out in lines across `area` (painting it when `p` is given); the height used.
double flowLegend(QPainter* p, const QFontMetricsF& fm, const std::vector<LegendItem>& items, const QRectF& area)
{
    const double lineH = fm.height() + 2, s = std::min(12.0, lineH - 2);
    double x = area.left(), y = area.top();
    for (const LegendItem& item : items) {
        const double w = (item.box ? s + 5 : 0) + fm.horizontalAdvance(item.text);
        if (x > area.left() && x + w > area.right()) {
            x = area.left();
            y += lineH;
        }
        if (p) {
            if (item.box) {
                const QRectF box(x, y + (lineH - s) / 2, s, s);
                p->fillRect(box, QColor(Qt::white));
                if (item.fill.isValid())
                    p->fillRect(box, item.fill);
                if (item.pen.style() != Qt::NoPen) {
                    p->setPen(item.pen);
                    p->drawRect(box.adjusted(0, 0, -1, -1));
                }
            }
            p->setPen(kTitleColor);
            p->drawText(QRectF(x + (item.box ? s + 5 : 0), y, w, lineH), Qt::AlignLeft | Qt::AlignVCenter, item.text);
        }
        x += w + 16;
    }
    return y + lineH - area.top();
}

} // namespace

PatchView::PatchView(QWidget* parent) : QWidget(parent)
{
    setMouseTracking(true);
    setAttribute(Qt::WA_OpaquePaintEvent);
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Expanding);
}

QColor PatchView::coreColor() { return QColor(47, 110, 186, 80); }
QColor PatchView::haloColor() { return QColor(234, 118, 20, 170); }
QColor PatchView::inputBackground() { return QColor(246, 247, 249); }

QSize PatchView::sizeHint() const { return QSize(640, 420); }
QSize PatchView::minimumSizeHint() const { return QSize(260, 180); }

void PatchView::setResult(PipelineSnapshot result)
{
    PipelineSnapshot keep = std::move(result);
    setPlan(keep ? &keep->legal() : nullptr, keep && keep->patch ? &*keep->patch : nullptr);
    m_result = std::move(keep);
}

void PatchView::setPlan(const LegalGraph* lg, const PatchPlan* plan)
{
    m_lg = nullptr;
    m_plan = nullptr;
    m_base = -1;
    m_baseIsInput = false;
    m_baseH = m_baseW = m_splitH = m_splitW = 0;
    if (lg && plan) {
        const Tensor* split = lg->graph.tensor(plan->split.tensor);
        const std::vector<int32_t> shape = !plan->split.shape.empty() ? plan->split.shape
                                           : split                    ? split->shape
                                                                      : std::vector<int32_t>{};
        const bool tiles = plan->nh > 0 && plan->nw > 0 && plan->patches.size() == size_t(plan->nh) * size_t(plan->nw);
        if (shape.size() == 4 && shape[1] > 0 && shape[2] > 0 && tiles) {
            m_lg = lg;
            m_plan = plan;
            m_splitH = shape[1];
            m_splitW = shape[2];
            // The regions are drawn on the graph input when the plan has them (it does when
            // planPatches filled `regions`); else on the largest stage-1 tensor it has, else on
            // the split tensor itself.
            const int input = lg->graph.inputs.empty() ? -1 : lg->graph.inputs[0];
            const bool haveRegions = plan->regions.size() == plan->patches.size();
            auto dims = [&](int t, int& h, int& w) {
                const Tensor* tensor = lg->graph.tensor(t);
                if (!tensor || tensor->shape.size() != 4 || tensor->shape[1] <= 0 || tensor->shape[2] <= 0)
                    return false;
                h = tensor->shape[1];
                w = tensor->shape[2];
                return true;
            };
            if (haveRegions && plan->regions[0].count(input) && dims(input, m_baseH, m_baseW)) {
                m_base = input;
                m_baseIsInput = true;
            } else if (haveRegions) {
                int64_t best = -1;
                for (const auto& [t, r] : plan->regions[0]) {
                    int h = 0, w = 0;
                    if (dims(t, h, w) && int64_t(h) * w > best) {
                        best = int64_t(h) * w;
                        m_base = t;
                        m_baseH = h;
                        m_baseW = w;
                    }
                }
                // A base tensor that some patch has no region of cannot be drawn.
                for (const auto& regions : plan->regions)
                    if (m_base >= 0 && !regions.count(m_base))
                        m_base = -1;
            }
            if (m_base < 0) {
                m_base = plan->split.tensor;
                m_baseIsInput = m_base == input;
                m_baseH = m_splitH;
                m_baseW = m_splitW;
            }
        }
    }
    if (!validIndex(m_highlighted))
        m_highlighted = -1;
    if (m_hover >= 0) {
        m_hover = -1;
        emit patchHovered(-1);
    }
    update();
}

void PatchView::setHighlightedPatch(int index)
{
    const int next = validIndex(index) ? index : -1;
    if (next == m_highlighted)
        return;
    m_highlighted = next;
    update();
}

bool PatchView::validIndex(int index) const
{
    return hasPlan() && index >= 0 && size_t(index) < m_plan->patches.size();
}

Region PatchView::inputRegion(int index) const
{
    if (!validIndex(index))
        return {};
    if (m_plan->regions.size() == m_plan->patches.size()) {
        const auto& regions = m_plan->regions[size_t(index)];
        const auto it = regions.find(m_base);
        if (it != regions.end())
            return it->second;
    }
    return ownTile(index);
}

Region PatchView::ownTile(int index) const
{
    if (!validIndex(index))
        return {};
    const Region& t = m_plan->patches[size_t(index)];
    auto sy = [this](int y) { return int(int64_t(y) * m_baseH / m_splitH); };
    auto sx = [this](int x) { return int(int64_t(x) * m_baseW / m_splitW); };
    return Region{sy(t.y0), sy(t.y1), sx(t.x0), sx(t.x1)};
}

// Region edges map to whole pixels, the same edge always to the same pixel, so that adjacent
// regions meet exactly and translucent fills never stack.
QRectF PatchView::mapRegion(const QRectF& target, int h, int w, const Region& r) const
{
    if (target.isEmpty() || h <= 0 || w <= 0)
        return {};
    auto X = [&](int x) { return std::round(target.left() + double(x) * target.width() / w); };
    auto Y = [&](int y) { return std::round(target.top() + double(y) * target.height() / h); };
    return QRectF(QPointF(X(r.x0), Y(r.y0)), QPointF(X(r.x1), Y(r.y1)));
}

PatchView::Geometry PatchView::geometry() const
{
    Geometry g;
    if (!hasPlan())
        return g;
    const QRectF all = QRectF(rect()).adjusted(kMargin, kMargin, -kMargin, -kMargin);
    QFont bold = font();
    bold.setWeight(QFont::DemiBold);
    const QFontMetricsF boldFm(bold), fm(font());
    const QRectF cap = boldFm.boundingRect(QRectF(0, 0, std::max(10.0, all.width()), 1e6),
                                           Qt::TextWordWrap | Qt::AlignLeft, wrappableCaption());
    g.caption = QRectF(all.left(), all.top(), all.width(), cap.height());
    if (cap.height() > boldFm.height() * 1.5 && cap.height() > all.height() * 0.25) {
        g.captionElided = true; // too small for the whole caption: one elided line
        g.caption.setHeight(boldFm.height());
    }
    // The legend's height must not depend on the focus, or the drawing would jump on hover.
    const QRectF flow(0, 0, all.width(), 1e6);
    const double legendH = std::max(flowLegend(nullptr, fm, legendItems(true), flow),
                                    flowLegend(nullptr, fm, legendItems(false), flow));
    g.legend = QRectF(all.left(), all.bottom() - legendH, all.width(), legendH);
    QRectF body(all.left(), g.caption.bottom() + kGap + 2, all.width(), g.legend.top() - kGap - g.caption.bottom() - kGap - 2);
    if (body.height() < std::max(60.0, legendH * 2)) // too small for a legend: give the drawing the room
    {
        g.legend = {};
        body.setBottom(all.bottom());
    }
    const double title = fm.height() + 4;
    double splitWidth = 0;
    if (body.width() >= 380)
        splitWidth = std::clamp(body.width() * 0.27, 120.0, 220.0);
    const double inputWidth = splitWidth > 0 ? body.width() - splitWidth - 2 * kGap : body.width();
    const QRectF inputBox(body.left(), body.top() + title, inputWidth, body.height() - title);
    g.input = fitAspect(inputBox, m_baseH, m_baseW);
    // The title over the drawing, the split panel beside it.
    g.inputTitle = QRectF(inputBox.left(), body.top(), std::max(g.input.width(), 0.0), title);
    if (splitWidth > 0) {
        const double left = g.input.isEmpty() ? inputBox.right() + 2 * kGap : g.input.right() + 3 * kGap;
        const double width = std::min(splitWidth, body.right() - left);
        if (width > 40) {
            g.splitTitle = QRectF(left, body.top(), width, title);
            g.split = fitAspect(QRectF(left, body.top() + title, width, std::min(body.height() - title, width * 1.25)),
                                m_splitH, m_splitW);
        }
    }
    return g;
}

QRectF PatchView::inputRect() const { return geometry().input; }

QRectF PatchView::tileRectOnInput(int index) const
{
    return validIndex(index) ? mapRegion(inputRect(), m_baseH, m_baseW, ownTile(index)) : QRectF();
}

QRectF PatchView::regionRectOnInput(int index) const
{
    return validIndex(index) ? mapRegion(inputRect(), m_baseH, m_baseW, inputRegion(index)) : QRectF();
}

int PatchView::patchAt(QPointF pos) const
{
    if (!hasPlan())
        return -1;
    const Geometry g = geometry();
    const int n = int(m_plan->patches.size());
    if (!g.split.isEmpty() && g.split.contains(pos)) {
        const double y = (pos.y() - g.split.top()) * m_splitH / g.split.height();
        const double x = (pos.x() - g.split.left()) * m_splitW / g.split.width();
        for (int i = 0; i < n; ++i)
            if (containsPoint(m_plan->patches[size_t(i)], y, x))
                return i;
        return -1;
    }
    if (g.input.isEmpty() || !g.input.contains(pos))
        return -1;
    const double y = (pos.y() - g.input.top()) * m_baseH / g.input.height();
    const double x = (pos.x() - g.input.left()) * m_baseW / g.input.width();
    int best = -1;
    double bestDistance = 0, bestCentre = 0;
    for (int i = 0; i < n; ++i) {
        if (!containsPoint(inputRegion(i), y, x))
            continue;
        const Region own = ownTile(i);
        const double d = distanceTo(own, y, x);
        const double c = std::hypot((own.y0 + own.y1) / 2.0 - y, (own.x0 + own.x1) / 2.0 - x);
        if (best < 0 || d < bestDistance || (d == bestDistance && c < bestCentre)) {
            best = i;
            bestDistance = d;
            bestCentre = c;
        }
    }
    return best;
}

QString PatchView::caption() const
{
    if (!hasPlan())
        return {};
    const PatchPlan& p = *m_plan;
    const Tensor* split = m_lg->graph.tensor(p.split.tensor);
    const QString shape = shapeText(!p.split.shape.empty() ? p.split.shape : split ? split->shape : std::vector<int32_t>{});
    const QStringList parts{
        QString("split %1 %2").arg(tensorName(*m_lg, p.split.tensor), shape),
        QString::fromUtf8("%1×%2 patches").arg(p.nh).arg(p.nw),
        QString::fromUtf8("input patch %1×%2").arg(p.inputPatchH).arg(p.inputPatchW),
        QString("+%1 % MACs").arg(p.extraMacsPercent, 0, 'f', 2),
        QString("peak %1 (stage 1 %2 / stage 2 %3)").arg(formatBytes(p.peak), formatBytes(p.stage1Peak), formatBytes(p.stage2Peak)),
    };
    return parts.join(QString::fromUtf8(" · "));
}

QString PatchView::wrappableCaption() const
{
    // Lines break only between the parts.
    QStringList parts = caption().split(QString::fromUtf8(" · "));
    for (QString& part : parts)
        part.replace(QChar(' '), QChar(0x00A0)).replace(QString(QChar(0x00A0)) + "(", " (");
    return parts.join(QString::fromUtf8(" · "));
}

QString PatchView::patchDescription(int index) const
{
    if (!validIndex(index))
        return {};
    const int row = index / m_plan->nw, col = index % m_plan->nw;
    const Region& tile = m_plan->patches[size_t(index)];
    const Region r = inputRegion(index);
    const QString what = m_baseIsInput ? tr("Input region") : tr("Region of %1").arg(tensorName(*m_lg, m_base));
    QStringList lines;
    lines << tr("Patch %1 (row %2, col %3 of %4×%5)").arg(index).arg(row).arg(col).arg(m_plan->nh).arg(m_plan->nw);
    lines << tr("Split tile: rows %1, cols %2 (%3×%4)").arg(span(tile.y0, tile.y1), span(tile.x0, tile.x1)).arg(tile.h()).arg(tile.w());
    lines << tr("%1: rows %2, cols %3 (%4×%5)").arg(what, span(r.y0, r.y1), span(r.x0, r.x1)).arg(r.h()).arg(r.w());

    // The halo, as rows shared with the patches above/below and columns shared with the patches
    // left/right (a diagonal overlap is inside both).
    QStringList halo;
    auto neighbour = [&](int dr, int dc, bool rows, const QString& where) {
        const int nr = row + dr, nc = col + dc;
        if (nr < 0 || nc < 0 || nr >= m_plan->nh || nc >= m_plan->nw)
            return;
        const Region o = intersect(r, inputRegion(nr * m_plan->nw + nc));
        if (o.empty())
            return;
        halo << (rows ? tr("  rows %1: %2 shared %3").arg(span(o.y0, o.y1)).arg(o.h()).arg(where)
                      : tr("  cols %1: %2 shared %3").arg(span(o.x0, o.x1)).arg(o.w()).arg(where));
    };
    neighbour(-1, 0, true, tr("with the patch above"));
    neighbour(1, 0, true, tr("with the patch below"));
    neighbour(0, -1, false, tr("with the patch to the left"));
    neighbour(0, 1, false, tr("with the patch to the right"));
    if (halo.isEmpty()) {
        lines << tr("No halo: no other patch reads this region");
    } else {
        lines << tr("Halo (recomputed, also read by neighbours):");
        lines << halo;
        QRegion shared;
        const int n = int(m_plan->patches.size());
        for (int i = 0; i < n; ++i)
            if (i != index) {
                const Region o = intersect(r, inputRegion(i));
                if (!o.empty())
                    shared += QRect(o.x0, o.y0, o.w(), o.h());
            }
        int64_t area = 0;
        for (const QRect& q : shared)
            area += int64_t(q.width()) * q.height();
        const int64_t total = int64_t(r.h()) * r.w();
        lines << tr("Shared with other patches: %1 of %2 px (%3 %)")
                     .arg(formatCount(area), formatCount(total))
                     .arg(total ? 100.0 * double(area) / double(total) : 0.0, 0, 'f', 1);
    }
    return lines.join("\n");
}

void PatchView::setHover(int index)
{
    if (index == m_hover)
        return;
    m_hover = index;
    emit patchHovered(index);
    update();
}

void PatchView::mouseMoveEvent(QMouseEvent* event)
{
    setHover(patchAt(event->position()));
    QWidget::mouseMoveEvent(event);
}

void PatchView::leaveEvent(QEvent* event)
{
    setHover(-1);
    QWidget::leaveEvent(event);
}

bool PatchView::event(QEvent* event)
{
    if (event->type() == QEvent::ToolTip) {
        auto* help = static_cast<QHelpEvent*>(event);
        const int index = patchAt(help->pos());
        if (index >= 0)
            QToolTip::showText(help->globalPos(), patchDescription(index), this, regionRectOnInput(index).toAlignedRect());
        else
            QToolTip::hideText();
        return true;
    }
    return QWidget::event(event);
}

void PatchView::paintEvent(QPaintEvent*)
{
    QPainter p(this);
    p.fillRect(rect(), palette().color(QPalette::Base));
    if (!hasPlan()) {
        p.setPen(palette().color(QPalette::PlaceholderText));
        p.drawText(rect(), Qt::AlignCenter | Qt::TextWordWrap, tr("No patch stage: the model runs whole-tensor"));
        return;
    }
    paintPlan(p, geometry());
}

void PatchView::paintPlan(QPainter& p, const Geometry& g)
{
    const int shown = validIndex(m_hover) ? m_hover : m_highlighted;
    QFont bold = font();
    bold.setWeight(QFont::DemiBold);
    p.setFont(bold);
    p.setPen(palette().color(QPalette::Text));
    if (g.captionElided)
        p.drawText(g.caption, Qt::AlignLeft | Qt::AlignTop,
                   QFontMetricsF(bold).elidedText(caption(), Qt::ElideRight, g.caption.width()));
    else
        p.drawText(g.caption, Qt::TextWordWrap | Qt::AlignLeft | Qt::AlignTop, wrappableCaption());
    p.setFont(font());
    paintInputPanel(p, g, shown);
    paintSplitPanel(p, g, shown);
    paintLegend(p, g, shown);
}

void PatchView::paintInputPanel(QPainter& p, const Geometry& g, int shown)
{
    const QFontMetricsF fm(font());
    const Tensor* base = m_lg->graph.tensor(m_base);
    const QString title = (m_baseIsInput ? tr("Input %1 %2") : tr("Stage-1 tensor %1 %2"))
                              .arg(tensorName(*m_lg, m_base), base ? shapeText(base->shape) : QString());
    p.setPen(kTitleColor);
    p.drawText(g.inputTitle, Qt::AlignLeft | Qt::AlignVCenter, fm.elidedText(title, Qt::ElideMiddle, g.inputTitle.width()));
    if (g.input.isEmpty())
        return;
    const QRectF in = g.input;
    const int n = int(m_plan->patches.size());
    auto mapped = [&](const Region& r) { return mapRegion(in, m_baseH, m_baseW, r).toRect(); };
    auto toQRect = [](const Region& r) { return QRect(r.x0, r.y0, r.w(), r.h()); };
    auto fillRegion = [&](const QRegion& region, const QColor& c) {
        for (const QRect& q : region)
            p.fillRect(mapped(Region{q.top(), q.top() + q.height(), q.left(), q.left() + q.width()}), c);
    };
    p.fillRect(in, inputBackground());
    p.setPen(QPen(QColor(90, 98, 110), 1));
    p.drawRect(in.adjusted(-1, -1, 0, 0));
    p.save();
    p.setClipRect(in); // the focus border below may go 2 px beyond

    if (shown < 0) {
        // Nothing in focus: tint every pixel by how many patches read it (1 = no recompute).
        std::set<int> ys{0, m_baseH}, xs{0, m_baseW};
        for (int i = 0; i < n; ++i) {
            const Region r = inputRegion(i);
            ys.insert({r.y0, r.y1});
            xs.insert({r.x0, r.x1});
        }
        const std::vector<int> vy(ys.begin(), ys.end()), vx(xs.begin(), xs.end());
        for (size_t a = 0; a + 1 < vy.size(); ++a)
            for (size_t b = 0; b + 1 < vx.size(); ++b) {
                const Region cell{vy[a], vy[a + 1], vx[b], vx[b + 1]};
                int count = 0;
                for (int i = 0; i < n; ++i)
                    count += containsPoint(inputRegion(i), cell.y0, cell.x0) ? 1 : 0;
                if (count >= 2) {
                    QColor c = haloColor();
                    c.setAlpha(std::min(150, 30 * (count - 1)));
                    p.fillRect(mapped(cell), c);
                }
            }
    }

    // The light grid: the split tiles mapped onto the input.
    QPen grid(kGridColor, 1, Qt::DashLine);
    grid.setCosmetic(true);
    p.setPen(grid);
    {
        std::set<int> ys, xs;
        for (int i = 0; i < n; ++i) {
            const Region t = ownTile(i);
            ys.insert({t.y0, t.y1});
            xs.insert({t.x0, t.x1});
        }
        for (int y : ys)
            if (y > 0 && y < m_baseH) {
                const double py = mapped(Region{y, y, 0, 0}).top();
                p.drawLine(QPointF(in.left(), py), QPointF(in.right() - 1, py));
            }
        for (int x : xs)
            if (x > 0 && x < m_baseW) {
                const double px = mapped(Region{0, 0, x, x}).left();
                p.drawLine(QPointF(px, in.top()), QPointF(px, in.bottom() - 1));
            }
    }

    // Every patch's input region as an outline, so that the overlaps show without hovering.
    p.setBrush(Qt::NoBrush);
    p.setPen(QPen(kOutlineColor, 1));
    for (int i = 0; i < n; ++i)
        p.drawRect(QRectF(mapped(inputRegion(i))).adjusted(0, 0, -1, -1));

    p.setClipRect(in.adjusted(-2, -2, 2, 2));
    if (shown >= 0) {
        // The patch in focus, over the lines (a halo can be a single input row): the part only it
        // reads (core) and the part other patches read too (halo), at least a pixel wide.
        const Region r = inputRegion(shown);
        QRegion halo;
        for (int i = 0; i < n; ++i)
            if (i != shown) {
                const Region o = intersect(r, inputRegion(i));
                if (!o.empty())
                    halo += toQRect(o);
            }
        QPen own(kFocusColor, 1, Qt::DotLine);
        p.setPen(own);
        p.drawRect(QRectF(mapped(ownTile(shown))).adjusted(0, 0, -1, -1));
        fillRegion(QRegion(toQRect(r)).subtracted(halo), coreColor());
        QRegion haloPixels;
        for (const QRect& q : halo) {
            QRect m = mapped(Region{q.top(), q.top() + q.height(), q.left(), q.left() + q.width()});
            if (m.width() < 1)
                m.setWidth(1);
            if (m.height() < 1)
                m.setHeight(1);
            haloPixels += m;
        }
        for (const QRect& q : haloPixels)
            p.fillRect(q, haloColor());
        // A border just outside the region, leaving every pixel of it visible.
        const QRect m = mapped(r);
        const QColor focus = kFocusColor;
        p.fillRect(QRect(m.left() - 2, m.top() - 2, m.width() + 4, 2), focus);
        p.fillRect(QRect(m.left() - 2, m.bottom() + 1, m.width() + 4, 2), focus);
        p.fillRect(QRect(m.left() - 2, m.top(), 2, m.height()), focus);
        p.fillRect(QRect(m.right() + 1, m.top(), 2, m.height()), focus);
    }

    // Patch numbers at the centre of their tiles, where there is room.
    QFont small = font();
    small.setPointSizeF(std::max(6.0, small.pointSizeF() * 0.85));
    p.setFont(small);
    const QFontMetricsF sfm(small);
    for (int i = 0; i < n; ++i) {
        const QRectF t = mapped(ownTile(i));
        if (t.width() < sfm.horizontalAdvance("00") + 4 || t.height() < sfm.height() + 2)
            continue;
        p.setPen(i == shown ? kFocusColor : kTitleColor);
        p.drawText(t, Qt::AlignCenter, QString::number(i));
    }
    p.setFont(font());
    p.restore();
}

void PatchView::paintSplitPanel(QPainter& p, const Geometry& g, int shown)
{
    if (g.split.isEmpty())
        return;
    const QFontMetricsF fm(font());
    p.setPen(kTitleColor);
    p.drawText(g.splitTitle, Qt::AlignLeft | Qt::AlignVCenter,
               fm.elidedText(tr("Split tensor %1×%2").arg(m_splitH).arg(m_splitW), Qt::ElideRight, g.splitTitle.width()));
    const QRectF s = g.split;
    p.fillRect(s, inputBackground());
    const int n = int(m_plan->patches.size());
    auto mapped = [&](const Region& r) { return mapRegion(s, m_splitH, m_splitW, r); };
    if (shown >= 0)
        p.fillRect(mapped(m_plan->patches[size_t(shown)]), coreColor());
    p.setPen(QPen(kOutlineColor, 1));
    for (int i = 0; i < n; ++i)
        p.drawRect(mapped(m_plan->patches[size_t(i)]).adjusted(0, 0, -1, -1));
    if (shown >= 0) {
        p.setPen(QPen(kFocusColor, 2));
        p.drawRect(mapped(m_plan->patches[size_t(shown)]).adjusted(1, 1, -1, -1));
    }
    p.setPen(QPen(QColor(90, 98, 110), 1));
    p.drawRect(s.adjusted(-1, -1, 0, 0));

    // What a tile holds, under the panel.
    double y = s.bottom() + 4;
    QStringList notes;
    if (shown >= 0) {
        const Region& tile = m_plan->patches[size_t(shown)];
        notes << tr("tile %1: %2×%3").arg(shown).arg(tile.h()).arg(tile.w());
        notes << tr("rows %1, cols %2").arg(span(tile.y0, tile.y1), span(tile.x0, tile.x1));
    } else {
        notes << tr("%1×%2 tiles").arg(m_plan->nh).arg(m_plan->nw);
    }
    if (const Tensor* t = m_lg->graph.tensor(m_plan->split.tensor))
        notes << tr("%1 whole in SRAM").arg(formatBytes(t->byteSize().value_or(0)));
    for (const QString& line : notes) {
        if (!g.legend.isEmpty() && y + fm.height() > g.legend.top())
            break;
        p.drawText(QRectF(s.left(), y, g.splitTitle.width(), fm.height()), Qt::AlignLeft | Qt::AlignTop,
                   fm.elidedText(line, Qt::ElideRight, g.splitTitle.width()));
        y += fm.height();
    }
}

void PatchView::paintLegend(QPainter& p, const Geometry& g, int shown)
{
    if (g.legend.isEmpty())
        return;
    p.save();
    p.setClipRect(g.legend);
    flowLegend(&p, QFontMetricsF(p.font()), legendItems(shown >= 0), g.legend);
    p.restore();
}

} // namespace ts
