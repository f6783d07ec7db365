#pragma once
// The live view of one run (Build & Run): per-inference latency drawn as it arrives and the latest
// per-layer figures. Latency is in ms at the board clock on real boards (DWT cycles / clock) and in
// instructions on QEMU, labelled as such (an emulator's instruction count is not a cycle count).
// Samples are stored as they come; the plot is redrawn from a timer at most 25 times a second and
// only when something new arrived (PulseView's MaxViewAutoUpdateRate), never once per sample.

#include "profile/live.h"

#include <QAbstractTableModel>
#include <QElapsedTimer>
#include <QString>
#include <QVector>
#include <QWidget>

#include <vector>

class QCPGraph;
class QCustomPlot;
class QLabel;
class QSortFilterProxyModel;
class QTableView;
class QTimer;

namespace ts {

// How a latency count is shown: ms at the board clock for cycles with a known clock, otherwise the
// count itself ("instructions" on QEMU, "cycles" on a board without a clock).
struct LatencyFormat {
    QString unit;        // "instructions" or "cycles"
    qint64 clockHz = 0;

    bool inMs() const { return unit == QLatin1String("cycles") && clockHz > 0; }
    // The value on the plot's y axis: ms, or millions of the unit.
    double plotValue(double raw) const;
    QString axisLabel() const;            // "latency, ms at 100 MHz" / "million instructions (QEMU, not cycles)"
    QString text(double raw) const;       // "10.000 ms" / "1,234,567 instructions"
    QString countText(double raw) const;  // a table cell without the unit: "10.000" / "1,234,567"
    QString countHeader() const;          // "time (ms at 100 MHz)" / "instructions (QEMU)" / "cycles"
    QString perHeader() const;            // "MACs per cycle" / "MACs per instruction"
    QString clockText() const;            // "100 MHz"
};

// The per-layer table: layer index, op, output tensor, count (or ms), share of the total, MACs and
// MACs per instruction (or cycle). SortRole gives the raw numbers for numeric sorting, ShareRole the
// share as a fraction 0..1 (the bar).
class LiveLayerModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { ColIndex, ColOp, ColName, ColCount, ColShare, ColMacs, ColMacsPer, ColumnCount };
    static constexpr int SortRole = Qt::UserRole + 1;
    static constexpr int ShareRole = Qt::UserRole + 2;

    explicit LiveLayerModel(QObject* parent = nullptr);
    void setFormat(const LatencyFormat& format);
    void setLayers(const std::vector<LiveLayer>& layers);
    const std::vector<LiveLayer>& layers() const { return m_layers; }
    qint64 total() const { return m_total; }
    // Share of the total in percent (0 when the total is 0); row = position in setLayers' vector.
    double sharePercent(int row) const;

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    LatencyFormat m_format;
    std::vector<LiveLayer> m_layers;
    qint64 m_total = 0;
};

class LivePanel : public QWidget {
    Q_OBJECT
public:
    static constexpr int kMaxReplotsPerSecond = 25;
    static constexpr int kMinReplotIntervalMs = 1000 / kMaxReplotsPerSecond; // 40 ms

    enum class Figure { Last, Median, Min, Max, Count };

    explicit LivePanel(QWidget* parent = nullptr);

    // Starts a new run: clears samples and layers. `unit` "instructions" (QEMU) or "cycles" (real
    // boards); `clockHz` the board clock (ms are shown for cycles when it is > 0).
    void beginRun(const QString& title, const QString& unit, qint64 clockHz);
    // New per-inference samples; a sample whose inference number is not above the last stored
    // one is a repeat and is dropped. The plot and the figures follow within 40 ms.
    void addSamples(const std::vector<LiveSample>& samples);
    void setLayers(const std::vector<LiveLayer>& layers);
    void setStackPeak(qint64 bytes);
    void setStatus(const QString& status);
    // The run is over: `verdict` in words (e.g. the output check), shown green when ok, red if not.
    // Pending samples are drawn at once.
    void endRun(const QString& verdict, bool ok);

    // For tests and the window.
    int sampleCount() const { return int(m_values.size()); }
    int plotPointCount() const;             // points in the latency graph
    int replotCount() const { return m_replots; }
    double medianValue() const;             // of all samples, in the unit (mean of the middle two when even)
    QString figureText(Figure f) const;     // as shown above the plot
    QString statusText() const;
    QString verdictText() const;
    QString stackText() const;
    const LatencyFormat& format() const { return m_format; }
    QCustomPlot* plot() const { return m_plot; }
    QCPGraph* latencyGraph() const { return m_graph; }
    LiveLayerModel* layerModel() const { return m_layers; }
    QTableView* layerTable() const { return m_table; }

private:
    void scheduleUpdate();
    void updateNow();
    void updateFigures();
    void fitRanges();

    LatencyFormat m_format;
    QLabel* m_title = nullptr;
    QLabel* m_status = nullptr;
    QLabel* m_verdict = nullptr;
    QLabel* m_stack = nullptr;
    QLabel* m_figure[5] = {};
    QCustomPlot* m_plot = nullptr;
    QCPGraph* m_graph = nullptr;
    LiveLayerModel* m_layers = nullptr;
    QSortFilterProxyModel* m_sorted = nullptr;
    QTableView* m_table = nullptr;
    QTimer* m_timer = nullptr;
    QElapsedTimer m_sinceReplot;

    QVector<double> m_keys, m_values; // inference number, raw value (unit)
    qint64 m_lastInference = -1;
    double m_min = 0, m_max = 0;
    bool m_dirty = false;
    bool m_autoRange = true;          // off once the user drags or zooms; double-click turns it on
    int m_replots = 0;
};

} // namespace ts
