#pragma once
// The build log: what Build & Run is doing (phase and progress), the compiler's and the probe's
// output in a monospace view capped at a number of lines (the oldest go first), and Cancel. It
// follows new output unless the user has scrolled up to read something.

#include <QWidget>

class QLabel;
class QPlainTextEdit;
class QProgressBar;
class QPushButton;

namespace ts {

class BuildLogView : public QWidget {
    Q_OBJECT
public:
    static constexpr int kDefaultMaxLines = 5000;

    explicit BuildLogView(QWidget* parent = nullptr);

    // Empties the log, resets the phase and the progress bar (Cancel keeps its state).
    void clear();
    // "building", "flashing", ...; `percent` 0..100, or -1 for a busy indicator.
    void setPhase(const QString& phase, int percent = -1);
    // One or more lines of output (a trailing newline is dropped; "\r\n" is taken as "\n").
    void appendLog(const QString& text);
    // Enables Cancel while a job runs.
    void setRunning(bool running);
    bool isRunning() const { return m_running; }

    // The most lines kept (at least 1); older lines are dropped.
    void setMaxLines(int lines);
    int maxLines() const { return m_maxLines; }
    int lineCount() const;       // lines held now
    QString text() const;        // the held lines, '\n'-separated
    QString phase() const { return m_phase; }
    int percent() const { return m_percent; }

    QPlainTextEdit* logEdit() const { return m_log; }
    QProgressBar* progressBar() const { return m_progress; }
    QPushButton* cancelButton() const { return m_cancel; }

signals:
    void cancelRequested();

private:
    QLabel* m_phaseLabel = nullptr;
    QProgressBar* m_progress = nullptr;
    QPushButton* m_cancel = nullptr;
    QPlainTextEdit* m_log = nullptr;
    QString m_phase;
    int m_percent = -1;
    int m_maxLines = kDefaultMaxLines;
    bool m_running = false;
};

} // namespace ts
