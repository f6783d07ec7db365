#include "views/boardpanel.h"

#include "report/inspect_report.h"

#include <QComboBox>
#include <QLabel>
#include <QPainter>
#include <QVBoxLayout>

#include <optional>

namespace ts {

namespace {

// A horizontal bar of coloured parts over a capacity, with a caption inside.
class SegmentBar : public QWidget {
public:
    struct Part { int64_t bytes; QColor color; QString name; };
    SegmentBar(int64_t capacity, std::vector<Part> parts, QWidget* parent)
        : QWidget(parent), m_capacity(capacity), m_parts(std::move(parts))
    {
        setMinimumHeight(20);
        setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
        int64_t used = 0;
        QStringList tip;
        for (const Part& p : m_parts) {
            used += p.bytes;
            tip << QString("%1: %2").arg(p.name, formatBytes(p.bytes));
        }
        m_used = used;
        tip << tr("capacity: %1").arg(formatBytes(capacity));
        setToolTip(tip.join("\n"));
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
        p.setPen(over ? QColor(192, 57, 43) : palette().mid().color());
        p.drawRect(r);
        p.setPen(over ? QColor(192, 57, 43) : palette().text().color());
        const QString text = m_parts.empty() ? formatBytes(m_capacity)
                                             : QString("%1 / %2%3").arg(formatBytes(m_used), formatBytes(m_capacity),
                                                                       over ? tr("  OVERFLOW") : QString());
        p.drawText(r, Qt::AlignCenter, text);
    }

private:
    int64_t m_capacity, m_used = 0;
    std::vector<Part> m_parts;
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

void BoardPanel::rebuild()
{
    while (QLayoutItem* item = m_regionsLayout->takeAt(0)) {
        delete item->widget();
        delete item;
    }
    const Board* b = currentBoard();
    if (!b) {
        m_summary->setText(tr("No board profiles found."));
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
    auto addBar = [this](const MemoryRegion& r, std::vector<SegmentBar::Part> parts) {
        auto* label = new QLabel(QString("%1 <span style='color:gray'>%2 @ 0x%3</span>")
                                     .arg(QString::fromStdString(r.name), QString::fromStdString(r.kind))
                                     .arg(r.base, 8, 16, QChar('0')),
                                 m_regions);
        m_regionsLayout->addWidget(label);
        m_regionsLayout->addWidget(new SegmentBar(int64_t(r.size), std::move(parts), m_regions));
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
        addBar(r, std::move(parts));
    }
    for (const auto& r : shown.ram) {
        std::vector<SegmentBar::Part> parts;
        if (m_arenaRegion && r.base >= m_arenaRegion->base && r.base < m_arenaRegion->base + m_arenaRegion->size) {
            // The arena fills the (possibly merged) region from its start: take this region's share
            // of activations, then scratch, then the reserve.
            int64_t skip = int64_t(r.base - m_arenaRegion->base);
            const bool last = r.base + r.size == m_arenaRegion->base + m_arenaRegion->size;
            auto take = [&](int64_t bytes, const QColor& c, const QString& name) {
                const int64_t inHere = std::max<int64_t>(0, bytes - skip);
                skip = std::max<int64_t>(0, skip - bytes);
                if (inHere > 0)
                    parts.push_back({last ? inHere : std::min<int64_t>(inHere, int64_t(r.size)), c, name});
            };
            take(m_activationBytes, kActivations, tr("activations"));
            take(m_scratchBytes, kScratch, tr("kernel scratch"));
            take(m_reserveBytes, kReserve, tr("runtime/stack reserve"));
            // Clip what spills into the next region (the next bar shows it).
            int64_t room = int64_t(r.size);
            if (!last)
                for (auto& p : parts) {
                    p.bytes = std::min(p.bytes, room);
                    room -= p.bytes;
                }
        }
        addBar(r, std::move(parts));
    }
    auto* key = new QLabel(QString("<span style='color:%1'>■</span> activations <span style='color:%2'>■</span> scratch "
                                   "<span style='color:%3'>■</span> reserve<br><span style='color:%4'>■</span> weights "
                                   "<span style='color:%5'>■</span> requant <span style='color:%6'>■</span> code")
                               .arg(kActivations.name(), kScratch.name(), kReserve.name(), kWeights.name(),
                                    kRequant.name(), kCode.name()),
                           m_regions);
    m_regionsLayout->addWidget(key);
}

} // namespace ts
