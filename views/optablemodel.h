#pragma once
// The model panel's item model: one row per op of subgraph 0.

#include "analysis/opfacts.h"
#include "pipeline/pipeline.h"
#include "model/graph.h"
#include "pipeline/analysis.h"

#include <QAbstractTableModel>

#include <vector>

namespace ts {

class OpTableModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column {
        ColIndex, ColOp, ColInputs, ColOutputs, ColMacs, ColWeights, ColWorkingSet, ColScratch, ColActivation,
        ColSupported, ColumnCount
    };
    // Role giving the raw number behind a cell, so sorting by MACs/bytes is numeric.
    static constexpr int SortRole = Qt::UserRole + 1;

    explicit OpTableModel(QObject* parent = nullptr);

    void setModel(std::shared_ptr<const Model> model); // nullptr clears
    void setResult(PipelineSnapshot result);          // working sets and scratch of one run
    // Working set and scratch per op from a memory analysis of this model (nullptr clears them).
    void setAnalysis(const Analysis* analysis);
    const Model* model() const { return m_model.get(); }

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    std::shared_ptr<const Model> m_model;
    PipelineSnapshot m_result;
    std::vector<OpFacts> m_facts;
    std::vector<int64_t> m_workingSet, m_scratch; // per imported op; -1: removed by legalization
};

} // namespace ts
