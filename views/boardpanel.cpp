#include "views/boardpanel.h"

#include "report/inspect_report.h"

#include <QComboBox>
#include <QLabel>
#include <QPainter>
#include <QVBoxLayout>

#include <optional>

namespace ts {

namespace {

// A horizontal bar of coloured parts over a capacity, with a caption inside; optional ticks mark
// where the regions of a merged region begin.
class SegmentBar : public QWidget {
public:
    struct Part { int64_t bytes; QColor color; QString name; };
    struct Tick { int64_t at; QString name; };
    explicit SegmentBar(QWidget* parent) : QWidget(parent)
    {
        setMinimumHeight(20);
        setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
    }

    // New content; repaints only if something differs (an edit usually changes one bar of several).
    void setContent(int64_t capacity, std::vector<Part> parts, QString caption, std::vector<Tick> ticks)
    {
        auto sameParts = [&] {
            if (parts.size() != m_parts.size())
                return false;
            for (size_t i = 0; i < parts.size(); ++i)
                if (parts[i].bytes != m_parts[i].bytes || parts[i].color != m_parts[i].color || parts[i].name != m_parts[i].name)
                    return false;
            return true;
        };
        auto sameTicks = [&] {
            if (ticks.size() != m_ticks.size())
                return false;
            for (size_t i = 0; i < ticks.size(); ++i)
                if (ticks[i].at != m_ticks[i].at || ticks[i].name != m_ticks[i].name)
                    return false;
            return true;
        };
        if (m_valid && capacity == m_capacity && caption == m_caption && sameParts() && sameTicks())
            return;
        m_valid = true;
        m_capacity = capacity;
        m_parts = std::move(parts);
        m_caption = std::move(caption);
        m_ticks = std::move(ticks);
        int64_t used = 0;
        QStringList tip;
        for (const Part& p : m_parts) {
            used += p.bytes;
            tip << QString("%1: %2").arg(p.name, formatBytes(p.bytes));
        }
        m_used = used;
        if (!m_parts.empty())
            tip << (used > capacity ? tr("over by %1").arg(formatBytes(used - capacity))
                                    : tr("free: %1").arg(formatBytes(capacity - used)));
        tip << tr("capacity: %1").arg(formatBytes(capacity));
        for (const Tick& t : m_ticks)
            tip << tr("%1 starts at +%2").arg(t.name, formatBytes(t.at));
        setToolTip(tip.join("\n"));
        update();
    }

protected:
    void paintEvent(QPaintEvent*) override
    {
        QPainter p(this);
        const QRectF r = QRectF(rect()).adjusted(0.5, 0.5, -0.5, -0.5);
        p.fillRect(r, palette().base());
        double x = r.left();
        const double scale = m_capacity > 0 ? r.width() / double(m_capacity) : 0;
        for (const Part& part : m_parts) {
            const double w = std::min(double(part.bytes) * scale, r.right() - x);
            if (w > 0)
                p.fillRect(QRectF(x, r.top(), w, r.height()), part.color);
            x += std::max(w, 0.0);
        }
        const bool over = m_used > m_capacity;
        if (over) // the part that does not fit: hatched over the whole bar's right end
            p.fillRect(QRectF(r.right() - std::min(r.width() * 0.08, 24.0), r.top(), std::min(r.width() * 0.08, 24.0), r.height()),
                       QBrush(QColor(192, 57, 43), Qt::BDiagPattern));
        p.setPen(QPen(palette().text().color(), 1, Qt::DotLine));
        for (const Tick& t : m_ticks) {
            const double tx = r.left() + double(t.at) * scale;
            p.drawLine(QPointF(tx, r.top()), QPointF(tx, r.bottom()));
        }
        p.setPen(over ? QColor(192, 57, 43) : palette().mid().color());
        p.drawRect(r);
        p.setPen(over ? QColor(192, 57, 43) : palette().text().color());
        p.drawText(r.adjusted(3, 0, -3, 0), Qt::AlignCenter, fontMetrics().elidedText(m_caption, Qt::ElideRight, int(r.width()) - 6));
    }

private:
    bool m_valid = false;
    int64_t m_capacity = 0, m_used = 0;
    std::vector<Part> m_parts;
    QString m_caption;
    std::vector<Tick> m_ticks;
};

const QColor kActivations(52, 120, 196, 200), kScratch(142, 68, 173, 200), kReserve(149, 165, 166, 200),
    kWeights(230, 126, 34, 200), kRequant(241, 196, 15, 200), kCode(39, 174, 96, 200);

} // namespace

BoardPanel::BoardPanel(QWidget* parent) : QWidget(parent)
{
    auto* layout = new QVBoxLayout(this);
    m_picker = new QComboBox(this);
    m_picker->setObjectName("boardPicker");
    m_summary = new QLabel(this);
    m_summary->setWordWrap(true);
    m_summary->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_regions = new QWidget(this);
    m_regionsLayout = new QVBoxLayout(m_regions);
    m_regionsLayout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_picker);
    layout->addWidget(m_summary);
    layout->addWidget(m_regions);
    layout->addStretch(1);
    auto* key = new QLabel(QString("<span style='color:%1'>■</span> activations <span style='color:%2'>■</span> scratch "
                                   "<span style='color:%3'>■</span> reserve □ free<br><span style='color:%4'>■</span> weights "
                                   "<span style='color:%5'>■</span> requant <span style='color:%6'>■</span> code")
                               .arg(kActivations.name(), kScratch.name(), kReserve.name(), kWeights.name(),
                                    kRequant.name(), kCode.name()),
                           m_regions);
    m_regionsLayout->addWidget(key);

    connect(m_picker, &QComboBox::currentIndexChanged, this, [this] {
        rebuild();
        emit boardChanged(currentBoardId());
    });
}

void BoardPanel::setBoards(const BoardSet* boards)
{
    m_boards = boards;
    const QSignalBlocker block(m_picker);
    m_picker->clear();
    if (m_boards)
        for (const Board& b : m_boards->boards)
            m_picker->addItem(QString::fromStdString(b.name) + (b.emulated() ? tr(" (emulated)") : QString()),
                              QString::fromStdString(b.id));
    rebuild();
}

bool BoardPanel::selectBoard(const QString& id)
{
    const int i = m_picker->findData(id);
    if (i < 0)
        return false;
    m_picker->setCurrentIndex(i);
    return true;
}

QString BoardPanel::currentBoardId() const { return m_picker->currentData().toString(); }

const Board* BoardPanel::currentBoard() const
{
    return m_boards ? m_boards->find(currentBoardId().toStdString()) : nullptr;
}

void BoardPanel::setWeightBytes(int64_t bytes)
{
    m_weightBytes = bytes;
    rebuild();
}

void BoardPanel::setArena(const ArenaRegion& region, int64_t activationBytes, int64_t scratchBytes, int64_t reserveBytes)
{
    m_arenaRegion = region;
    m_activationBytes = activationBytes;
    m_scratchBytes = scratchBytes;
    m_reserveBytes = reserveBytes;
    rebuild();
}

void BoardPanel::setFlashUse(const FlashUse& use)
{
    m_flash = use;
    rebuild();
}

void BoardPanel::clearArena()
{
    m_arenaRegion.reset();
    rebuild();
}

QStringList BoardPanel::barTexts() const
{
    QStringList out;
    for (const Bar& b : m_bars)
        out << b.text;
    return out;
}

void BoardPanel::rebuild()
{
    // The rows (label and bar per region) are updated in place: recreating them relaid out every
    // word-wrapped rich-text label on each edit, the largest cost of an edit's repaint.
    m_bars.clear();
    size_t rows = 0;
    const Board* b = currentBoard();
    if (!b) {
        m_summary->setText(tr("No board profiles found."));
        while (!m_rows.empty()) {
            delete m_rows.back().first;
            delete m_rows.back().second;
            m_rows.pop_back();
        }
        return;
    }
    QString text = QString("<b>%1</b> — %2<br>%3, %4 MHz, FPU %5%6<br>RAM %7, flash %8")
                       .arg(QString::fromStdString(b->name).toHtmlEscaped(), QString::fromStdString(b->mcu).toHtmlEscaped(),
                            QString::fromStdString(b->core))
                       .arg(b->clockHz / 1000000)
                       .arg(QString::fromStdString(b->fpu), b->dsp ? tr(", DSP") : QString())
                       .arg(formatBytes(int64_t(b->totalRam())), formatBytes(int64_t(b->totalFlash())));
    const Board* limits = m_boards->limitsOf(*b);
    if (b->emulated() && limits)
        text += tr("<br>QEMU <tt>%1</tt>, enforcing the limits of %2")
                    .arg(QString::fromStdString(b->probe.machine), QString::fromStdString(limits->name).toHtmlEscaped());
    m_summary->setText(text);
    m_summary->setToolTip(QString::fromStdString(b->source + (b->notes.empty() ? "" : "\n\n" + b->notes)));

    const Board& shown = limits ? *limits : *b;
    auto addBar = [this, &rows](Bar bar, const QString& detail, std::vector<SegmentBar::Part> parts, std::vector<SegmentBar::Tick> ticks) {
        int64_t used = 0;
        for (const auto& p : parts)
            used += p.bytes;
        bar.used = used;
        QString caption = parts.empty() ? formatBytes(bar.capacity)
                                        : QString("%1 / %2").arg(formatBytes(used), formatBytes(bar.capacity));
        QString headline = bar.arena ? tr("<b>arena: %1</b>").arg(bar.name.toHtmlEscaped()) : bar.name.toHtmlEscaped();
        if (used > bar.capacity) {
            const QString over = tr("over by %1 in %2").arg(formatBytes(used - bar.capacity), bar.name);
            caption += " · " + over;
            headline += QString(" <span style='color:#c0392b'><b>%1</b></span>").arg(over.toHtmlEscaped());
        } else if (bar.arena) {
            caption += " · " + tr("%1 free").arg(formatBytes(bar.capacity - used));
        }
        if (rows == m_rows.size()) {
            auto* label = new QLabel(m_regions);
            label->setWordWrap(true);
            auto* segments = new SegmentBar(m_regions);
            const int at = m_regionsLayout->count() - 1; // before the key
            m_regionsLayout->insertWidget(at, label);
            m_regionsLayout->insertWidget(at + 1, segments);
            m_rows.emplace_back(label, segments);
        }
        m_rows[rows].first->setText(headline + QString(" <span style='color:gray'>%1</span>").arg(detail.toHtmlEscaped()));
        static_cast<SegmentBar*>(m_rows[rows].second)->setContent(bar.capacity, std::move(parts), caption, std::move(ticks));
        ++rows;
        bar.text = (bar.arena ? tr("arena: %1 %2") : tr("%1: %2")).arg(bar.name, caption);
        m_bars.push_back(std::move(bar));
    };
    auto regionDetail = [](const MemoryRegion& r) {
        return QString("%1 @ 0x%2").arg(QString::fromStdString(r.kind)).arg(r.base, 8, 16, QChar('0'));
    };
    const MemoryRegion* flash = shown.largestFlash();
    for (const auto& r : shown.flash) {
        std::vector<SegmentBar::Part> parts;
        if (&r == flash) {
            if (m_flash) {
                parts = {{m_flash->weights + m_flash->biases, kWeights, tr("weights + biases")},
                         {m_flash->requant, kRequant, tr("requantization parameters")},
                         {m_flash->code, kCode, tr("code (estimate)")}};
            } else {
                parts = {{m_weightBytes, kWeights, tr("weights + biases")}};
            }
        }
        Bar bar;
        bar.name = QString::fromStdString(r.name);
        bar.flash = true;
        bar.regions = {bar.name};
        bar.capacity = int64_t(r.size);
        addBar(std::move(bar), regionDetail(r), std::move(parts), {});
    }
    // The arena's bar: one over the (merged) region, in place of the bars of the regions it covers.
    auto covered = [this](const MemoryRegion& r) {
        return m_arenaRegion && r.base >= m_arenaRegion->base && r.base + r.size <= m_arenaRegion->base + m_arenaRegion->size;
    };
    auto addArenaBar = [&] {
        const ArenaRegion& a = *m_arenaRegion;
        Bar bar;
        bar.name = QString::fromStdString(a.name);
        bar.arena = true;
        bar.capacity = int64_t(a.size);
        std::vector<SegmentBar::Tick> ticks;
        QStringList sizes;
        for (const auto& r : shown.ram)
            if (covered(r)) {
                bar.regions << QString::fromStdString(r.name);
                sizes << QString("%1 %2").arg(QString::fromStdString(r.name), formatBytes(int64_t(r.size)));
                if (r.base > a.base)
                    ticks.push_back({int64_t(r.base - a.base), QString::fromStdString(r.name)});
            }
        const QString detail = QString("@ 0x%1%2")
                                   .arg(a.base, 8, 16, QChar('0'))
                                   .arg(sizes.size() > 1 ? QString(" · %1").arg(sizes.join(" + ")) : QString());
        addBar(std::move(bar), detail,
               {{m_activationBytes, kActivations, tr("activations")},
                {m_scratchBytes, kScratch, tr("kernel scratch")},
                {m_reserveBytes, kReserve, tr("runtime/stack reserve")}},
               std::move(ticks));
    };
    bool arenaShown = false;
    for (const auto& r : shown.ram) {
        if (covered(r)) {
            if (!arenaShown)
                addArenaBar();
            arenaShown = true;
            continue;
        }
        Bar bar;
        bar.name = QString::fromStdString(r.name);
        bar.regions = {bar.name};
        bar.capacity = int64_t(r.size);
        addBar(std::move(bar), regionDetail(r), {}, {});
    }
    if (m_arenaRegion && !arenaShown) // a region the board's RAM list does not cover exactly
        addArenaBar();
    // Rows beyond this board's bars go (a board change); the key stays last.
    while (m_rows.size() > rows) {
        delete m_rows.back().first;
        delete m_rows.back().second;
        m_rows.pop_back();
    }
}

} // namespace ts
