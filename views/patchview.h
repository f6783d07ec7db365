#pragma once
// The patch view: an MCUNetV2-style patch plan drawn over the model input. The split tensor's
// n_h × n_w grid is mapped onto the input; every patch's input region is outlined so the overlaps
// (the halos each patch recomputes) are visible, and the hovered or highlighted patch shows its
// region split into the part only it computes (core) and the part shared with other patches
// (halo). A small second panel shows the split tensor with its tiles.

#include "passes/legalize.h"
#include "pipeline/pipeline.h"
#include "schedule/patch.h"

#include <QColor>
#include <QRectF>
#include <QString>
#include <QWidget>

namespace ts {

class PatchView : public QWidget {
    Q_OBJECT
public:
    explicit PatchView(QWidget* parent = nullptr);

    // Both pointers stay valid until the next call; nullptr (either) clears the view.
    void setPlan(const LegalGraph* lg, const PatchPlan* plan); // the caller keeps both alive
    void setResult(PipelineSnapshot result);                   // held as a shared snapshot
    // The patch to show in detail when the mouse is not over one; -1 (or out of range) for none.
    void setHighlightedPatch(int index);
    int highlightedPatch() const { return m_highlighted; }

    // The patch under a widget position: over the input, the patch whose input region contains
    // it (the one whose own tile is closest if several); over the split panel, the tile's patch.
    // -1 elsewhere or without a plan.
    int patchAt(QPointF widgetPos) const;

    bool hasPlan() const { return m_lg && m_plan; }
    // Where the model input is drawn, and a patch's own tile / input region on it (widget
    // coordinates; empty without a plan or for a bad index).
    QRectF inputRect() const;
    QRectF tileRectOnInput(int index) const;
    QRectF regionRectOnInput(int index) const;
    // The caption line, and the tooltip text of a patch (empty without a plan / bad index).
    QString caption() const;
    QString patchDescription(int index) const;

    static QColor coreColor();
    static QColor haloColor(); // translucent; drawn over inputBackground()
    static QColor inputBackground();

    QSize sizeHint() const override;
    QSize minimumSizeHint() const override;

signals:
    void patchHovered(int index); // -1 when the mouse leaves every patch

protected:
    void paintEvent(QPaintEvent* event) override;
    void mouseMoveEvent(QMouseEvent* event) override;
    void leaveEvent(QEvent* event) override;
    bool event(QEvent* event) override;

private:
    struct Geometry {
        QRectF caption;
        bool captionElided = false;
        QRectF inputTitle, input;   // the input panel
        QRectF splitTitle, split;   // the split tensor panel (empty if there is no room)
        QRectF legend;
    };
    Geometry geometry() const;
    bool validIndex(int index) const;
    QString wrappableCaption() const;
    // The tensor the regions are drawn for (the graph input when the plan has its regions).
    int baseTensor() const { return m_base; }
    int baseH() const { return m_baseH; }
    int baseW() const { return m_baseW; }
    Region inputRegion(int index) const; // the patch's region of the base tensor
    Region ownTile(int index) const;     // the patch's split tile scaled to the base tensor
    QRectF mapRegion(const QRectF& target, int h, int w, const Region& r) const;
    void setHover(int index);
    void paintPlan(QPainter& p, const Geometry& g);
    void paintInputPanel(QPainter& p, const Geometry& g, int shown);
    void paintSplitPanel(QPainter& p, const Geometry& g, int shown);
    void paintLegend(QPainter& p, const Geometry& g, int shown);

    const LegalGraph* m_lg = nullptr;
    const PatchPlan* m_plan = nullptr;
    PipelineSnapshot m_result;
    int m_base = -1;          // see baseTensor()
    bool m_baseIsInput = false;
    int m_baseH = 0, m_baseW = 0;
    int m_splitH = 0, m_splitW = 0;
    int m_highlighted = -1;
    int m_hover = -1;
};

} // namespace ts
