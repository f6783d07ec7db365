#pragma once
// The schedule panel: planner, in-place, reorder, "input arrives quantized", and the patch stage
// (split tensor, n_h × n_w grid, Auto search, Pareto scatter). It shows settings and reports user
// edits; the main window owns the settings, the undo stack and the recomputation.

#include "schedule/patch.h"
#include "schedule/schedule_doc.h"

#include <QWidget>

class QCheckBox;
class QComboBox;
class QCPGraph;
class QCustomPlot;
class QLabel;
class QPushButton;
class QSpinBox;

namespace ts {

class SchedulePanel : public QWidget {
    Q_OBJECT
public:
    explicit SchedulePanel(QWidget* parent = nullptr);

    void setSchedule(const ScheduleDoc& s); // shows it without emitting edited()
    // The splits of the current legalized graph (the combo lists them with their shapes).
    void setSplits(const LegalGraph* lg, const std::vector<SplitPoint>& splits);
    void setPareto(const PatchSearchResult* result); // nullptr clears the scatter
    void setSearching(bool busy);       // busy: the Auto button becomes Cancel
    void setSearchProgress(int percent);
    QCustomPlot* paretoPlot() const { return m_pareto; }

signals:
    void edited(const ScheduleDoc& s); // a user change, already merged into the shown settings
    void autoRequested();
    void cancelRequested();

private:
    ScheduleDoc current() const;
    void emitEdited();

    ScheduleDoc m_shown;
    bool m_updating = false;
    QComboBox* m_planner = nullptr;
    QCheckBox* m_inplace = nullptr; // all kinds at once (partly checked when mixed)
    QCheckBox* m_inplaceDepthwise = nullptr;
    QCheckBox* m_inplaceShrink = nullptr;
    QCheckBox* m_inplaceExpand = nullptr;
    QCheckBox* m_inplaceElementwise = nullptr;
    QCheckBox* m_reorder = nullptr;
    QCheckBox* m_quantizedIo = nullptr;
    QComboBox* m_split = nullptr;
    QSpinBox* m_nh = nullptr;
    QSpinBox* m_nw = nullptr;
    QCheckBox* m_resident = nullptr;
    QPushButton* m_auto = nullptr;
    bool m_busy = false;
    QCustomPlot* m_pareto = nullptr;
    QCPGraph* m_points = nullptr;
    QCPGraph* m_chosen = nullptr;
    QCPGraph* m_recommended = nullptr;
    std::vector<PatchPlan> m_front;
};

} // namespace ts
