#include "views/buildlog.h"

#include <QFontDatabase>
#include <QHBoxLayout>
#include <QLabel>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QScrollBar>
#include <QVBoxLayout>

#include <algorithm>

namespace ts {

BuildLogView::BuildLogView(QWidget* parent) : QWidget(parent)
{
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->setSpacing(4);
    auto* top = new QHBoxLayout;
    m_phaseLabel = new QLabel(tr("idle"), this);
    m_phaseLabel->setObjectName("buildPhase");
    m_progress = new QProgressBar(this);
    m_progress->setObjectName("buildProgress");
    m_progress->setRange(0, 100);
    m_progress->setValue(0);
    m_progress->setFormat(tr("%p %"));
    m_cancel = new QPushButton(tr("Cancel"), this);
    m_cancel->setObjectName("buildCancel");
    m_cancel->setToolTip(tr("Stop the build or the run (the emulator or probe session is closed)"));
    m_cancel->setEnabled(false);
    top->addWidget(m_phaseLabel);
    top->addWidget(m_progress, 1);
    top->addWidget(m_cancel);
    layout->addLayout(top);

    m_log = new QPlainTextEdit(this);
    m_log->setObjectName("buildLog");
    m_log->setReadOnly(true);
    m_log->setLineWrapMode(QPlainTextEdit::NoWrap);
    m_log->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_log->setMaximumBlockCount(m_maxLines);
    m_log->setPlaceholderText(tr("The compiler's and the probe's output appear here during Build & Run."));
    layout->addWidget(m_log, 1);

    connect(m_cancel, &QPushButton::clicked, this, &BuildLogView::cancelRequested);
}

void BuildLogView::clear()
{
    m_log->clear();
    m_phase.clear();
    m_percent = -1;
    m_phaseLabel->setText(tr("idle"));
    m_progress->setRange(0, 100);
    m_progress->setValue(0);
}

void BuildLogView::setPhase(const QString& phase, int percent)
{
    m_phase = phase;
    m_percent = percent < 0 ? -1 : std::min(percent, 100);
    m_phaseLabel->setText(phase);
    if (m_percent < 0) {
        m_progress->setRange(0, 0); // busy
    } else {
        m_progress->setRange(0, 100);
        m_progress->setValue(m_percent);
    }
}

void BuildLogView::appendLog(const QString& text)
{
    QString t = text;
    t.replace(QLatin1String("\r\n"), QLatin1String("\n"));
    if (t.endsWith('\n'))
        t.chop(1);
    QScrollBar* bar = m_log->verticalScrollBar();
    const bool atBottom = bar->value() >= bar->maximum();
    const int keep = bar->value();
    m_log->appendPlainText(t);
    // Follow the output unless the user scrolled up to read.
    bar->setValue(atBottom ? bar->maximum() : std::min(keep, bar->maximum()));
}

void BuildLogView::setRunning(bool running)
{
    m_running = running;
    m_cancel->setEnabled(running);
    if (!running && m_percent < 0 && !m_phase.isEmpty()) {
        // A finished job leaves no spinning busy bar behind (nor claims it completed).
        m_progress->setRange(0, 100);
        m_progress->setValue(0);
    }
}

void BuildLogView::setMaxLines(int lines)
{
    m_maxLines = std::max(1, lines);
    m_log->setMaximumBlockCount(m_maxLines);
}

int BuildLogView::lineCount() const
{
    return m_log->document()->isEmpty() ? 0 : m_log->document()->blockCount();
}

QString BuildLogView::text() const { return m_log->toPlainText(); }

} // namespace ts
