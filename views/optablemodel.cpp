#include "views/optablemodel.h"

#include "report/inspect_report.h"

#include <QBrush>
#include <QColor>
#include <QStringList>

namespace ts {

OpTableModel::OpTableModel(QObject* parent) : QAbstractTableModel(parent) {}

void OpTableModel::setResult(PipelineSnapshot result)
{
    m_result = std::move(result);
    setAnalysis(m_result ? &m_result->analysis : nullptr);
    if (!m_result || !m_result->patch)
        return;
    // With a patch schedule the working set is what runs: stage 0 and stage 2 on whole tensors,
    // stage-1 ops per patch (the largest patch, with the whole split tensor and a held input).
    const PatchPlan& p = *m_result->patch;
    const LegalGraph& lg = m_result->legal();
    const std::vector<int>& order = m_result->analysis.memory.order;
    const size_t n = m_workingSet.size();
    const StageLayout* largest = p.largestPatch >= 0 && size_t(p.largestPatch) < p.patchLayoutOf.size()
                                     && size_t(p.patchLayoutOf[size_t(p.largestPatch)]) < p.patchLayouts.size()
                                 ? &p.patchLayouts[size_t(p.patchLayoutOf[size_t(p.largestPatch)])]
                                 : nullptr;
    for (size_t pos = 0; pos < order.size(); ++pos) {
        const int src = size_t(order[pos]) < lg.sourceOp.size() ? lg.sourceOp[size_t(order[pos])] : -1;
        if (src < 0 || size_t(src) >= n)
            continue;
        const int k = int(pos);
        const StepUse* use = nullptr;
        if (k < p.split.prefix && p.stage0 && size_t(k) < p.stage0->memory.steps.size())
            use = &p.stage0->memory.steps[size_t(k)];
        else if (k > p.split.step && p.stage2 && size_t(k - p.split.step - 1) < p.stage2->memory.steps.size())
            use = &p.stage2->memory.steps[size_t(k - p.split.step - 1)];
        if (use) {
            m_workingSet[size_t(src)] = use->total();
            m_scratch[size_t(src)] = use->scratch;
        } else if (k <= p.split.step && size_t(k) < m_result->stage1.size()) {
            m_workingSet[size_t(src)] = m_result->stage1[size_t(k)];
            const size_t inPatch = size_t(k - p.split.prefix);
            if (largest && inPatch < largest->memory.steps.size())
                m_scratch[size_t(src)] = largest->memory.steps[inPatch].scratch;
        }
    }
    if (n)
        emit dataChanged(index(0, ColWorkingSet), index(int(n) - 1, ColScratch));
}

void OpTableModel::setModel(std::shared_ptr<const Model> model)
{
    beginResetModel();
    m_model = std::move(model);
    m_result.reset();
    m_facts.clear();
    m_workingSet.clear();
    m_scratch.clear();
    if (m_model)
        for (const Op& op : m_model->main().ops)
            m_facts.push_back(computeOpFacts(m_model->main(), op));
    endResetModel();
}

void OpTableModel::setAnalysis(const Analysis* a)
{
    const size_t n = m_model ? m_model->main().ops.size() : 0;
    m_workingSet.assign(n, -1);
    m_scratch.assign(n, -1);
    if (a)
        for (const StepUse& u : a->memory.steps) {
            const int src = a->legal.sourceOp[size_t(u.op)];
            if (src >= 0 && size_t(src) < n) {
                m_workingSet[size_t(src)] = u.total();
                m_scratch[size_t(src)] = u.scratch;
            }
        }
    if (n)
        emit dataChanged(index(0, ColWorkingSet), index(int(n) - 1, ColScratch));
}

int OpTableModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() || !m_model ? 0 : int(m_model->main().ops.size());
}

int OpTableModel::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : ColumnCount; }

namespace {
QString operands(const Graph& g, const std::vector<int>& ids)
{
    QStringList parts;
    for (int i : ids)
        if (const Tensor* t = g.tensor(i); t && !t->isConstant())
            parts << QString("%1 %2").arg(dtypeName(t->dtype), QString::fromStdString(shapeString(t->shape)));
    return parts.join(", ");
}
} // namespace

QVariant OpTableModel::data(const QModelIndex& index, int role) const
{
    if (!m_model || !index.isValid() || index.row() >= rowCount())
        return {};
    const Graph& g = m_model->main();
    const Op& op = g.ops[size_t(index.row())];
    const OpFacts& f = m_facts[size_t(index.row())];
    const int col = index.column();
    if (role == Qt::DisplayRole || role == SortRole) {
        const bool sort = role == SortRole;
        switch (col) {
        case ColIndex: return index.row();
        case ColOp: {
            QString s = QString::fromStdString(opKindName(op.kind));
            if (op.kind == OpKind::Custom)
                s += " (" + QString::fromStdString(op.customCode) + ")";
            return s;
        }
        case ColInputs: return operands(g, op.inputs);
        case ColOutputs: return operands(g, op.outputs);
        case ColMacs: return sort ? QVariant(qint64(f.macs)) : QVariant(formatCount(f.macs));
        case ColWeights: return sort ? QVariant(qint64(f.weightBytes + f.biasBytes)) : QVariant(formatBytes(f.weightBytes + f.biasBytes));
        case ColWorkingSet:
        case ColScratch: {
            const auto& v = col == ColWorkingSet ? m_workingSet : m_scratch;
            const int64_t x = size_t(index.row()) < v.size() ? v[size_t(index.row())] : -1;
            if (sort)
                return qint64(x);
            if (x < 0)
                return v.empty() ? QString() : tr("folded");
            return formatBytes(x);
        }
        case ColActivation: return QString(activationName(op.activation()));
        case ColSupported: return f.supported ? tr("yes") : tr("no");
        default: return {};
        }
    }
    if (role == Qt::TextAlignmentRole
        && (col == ColIndex || col == ColMacs || col == ColWeights || col == ColWorkingSet || col == ColScratch))
        return int(Qt::AlignRight | Qt::AlignVCenter);
    if (role == Qt::ToolTipRole && (col == ColWorkingSet || col == ColScratch)
        && size_t(index.row()) < m_workingSet.size() && m_workingSet[size_t(index.row())] < 0)
        return tr("Removed by legalization (folded into its consumer, or the float I/O conversion)");
    if (role == Qt::ToolTipRole && (col == ColWorkingSet || col == ColScratch) && m_result && m_result->patch)
        return tr("What runs: per patch (the largest) in stage 1, whole tensors in stages 0 and 2");
    if (role == Qt::ToolTipRole && col == ColSupported && !f.supported)
        return QString::fromStdString(f.unsupportedReason);
    if (role == Qt::ForegroundRole && col == ColSupported && !f.supported)
        return QBrush(QColor(0xb0, 0x20, 0x20));
    return {};
}

QVariant OpTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case ColIndex: return tr("#");
    case ColOp: return tr("Op");
    case ColInputs: return tr("Inputs");
    case ColOutputs: return tr("Outputs");
    case ColMacs: return tr("MACs");
    case ColWeights: return tr("Weights");
    case ColWorkingSet: return tr("Working set");
    case ColScratch: return tr("Scratch");
    case ColActivation: return tr("Fused act.");
    case ColSupported: return tr("Supported");
    default: return {};
    }
}

} // namespace ts
