#include "views/boardpanel.h"

#include "report/inspect_report.h"

#include <QComboBox>
#include <QLabel>
#include <QProgressBar>
#include <QVBoxLayout>

#include <optional>

namespace ts {

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

void BoardPanel::setArena(const ArenaRegion& region, int64_t arenaBytes, int64_t reserveBytes)
{
    m_arenaRegion = region;
    m_arenaBytes = arenaBytes;
    m_reserveBytes = reserveBytes;
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
    auto addBar = [this](const MemoryRegion& r, std::optional<int64_t> used, const QString& what) {
        auto* label = new QLabel(QString("%1 <span style='color:gray'>%2 @ 0x%3</span>")
                                     .arg(QString::fromStdString(r.name), QString::fromStdString(r.kind))
                                     .arg(r.base, 8, 16, QChar('0')),
                                 m_regions);
        auto* bar = new QProgressBar(m_regions);
        bar->setRange(0, 1000);
        const double frac = r.size && used ? double(*used) / double(r.size) : 0.0;
        bar->setValue(int(std::min(1.0, frac) * 1000));
        // Without a use to show (RAM before arena planning exists) the bar gives the capacity only.
        bar->setFormat(used ? QString("%1 / %2").arg(formatBytes(*used), formatBytes(int64_t(r.size)))
                            : formatBytes(int64_t(r.size)));
        bar->setToolTip(what.trimmed());
        if (frac > 1.0)
            bar->setStyleSheet("QProgressBar::chunk { background: #c0392b; }");
        m_regionsLayout->addWidget(label);
        m_regionsLayout->addWidget(bar);
    };
    const MemoryRegion* flash = shown.largestFlash();
    for (const auto& r : shown.flash)
        addBar(r, &r == flash ? std::optional<int64_t>(m_weightBytes) : std::optional<int64_t>(0),
               &r == flash ? tr(" (weights)") : QString());
    for (const auto& r : shown.ram) {
        if (!m_arenaRegion) {
            addBar(r, std::nullopt, QString());
            continue;
        }
        // The arena and the reserve fill the (possibly merged) region from its start.
        const uint64_t end = m_arenaRegion->base + uint64_t(m_arenaBytes + m_reserveBytes);
        const bool inside = r.base >= m_arenaRegion->base && r.base < m_arenaRegion->base + m_arenaRegion->size;
        const int64_t used = inside && end > r.base ? int64_t(std::min<uint64_t>(end - r.base, r.size)) : 0;
        const bool overflow = inside && r.base + r.size == m_arenaRegion->base + m_arenaRegion->size
            && end > r.base + r.size;
        addBar(r, overflow ? std::optional<int64_t>(int64_t(end - r.base)) : std::optional<int64_t>(used),
               inside ? tr(" (arena + reserve)") : QString());
    }
}

} // namespace ts
