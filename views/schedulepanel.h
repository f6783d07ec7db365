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
    // The splits of the current legalized graph. The combo lists each by the layer that produces it
    // ("#<imported op index> <OP> → [shape]", the id the chart, table and arena view use) and, once
    // a search has run, its best figures; the item data stays the split tensor id.
    void setSplits(const LegalGraph* lg, const std::vector<SplitPoint>& splits);
    // The Pareto scatter and the per-split best figures (result->bestPerSplit); nullptr clears both.
    void setPareto(const PatchSearchResult* result);
    // Only the per-split figures (setPareto takes them too); nullptr forgets them.
    void setSplitFigures(const PatchSearchResult* result);
    // The best plan found for a split tensor, or nullptr when no search figures are known.
    const PatchPlan* bestFor(int splitTensor) const;
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
    void splitChosen();
    void updateSplitTexts();
    std::pair<int, int> gridFor(int splitTensor) const;

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
    struct SplitItem {
        SplitPoint split;
        QString layer; // "#12 CONV_2D"
        QString tensorName;
    };
    std::vector<SplitItem> m_splits;      // the combo's items after "no patch stage", in order
    std::vector<PatchPlan> m_bestPerSplit; // figures of the last search (any order; matched by tensor)
};

} // namespace ts
