#include "views/layerchart.h"

#include "analysis/opfacts.h"

#include <qcustomplot.h>

#include <QVBoxLayout>

namespace ts {

LayerChart::LayerChart(QWidget* parent) : QWidget(parent)
{
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    m_plot = new QCustomPlot(this);
    m_plot->setObjectName("layerChart");
    layout->addWidget(m_plot);
    m_plot->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
    m_plot->axisRect()->setRangeDrag(Qt::Horizontal);
    m_plot->axisRect()->setRangeZoom(Qt::Horizontal);
    m_plot->xAxis->setLabel(tr("op index"));
    m_plot->yAxis->setLabel(tr("activation KiB (in + out)"));
    m_plot->yAxis2->setVisible(true);
    m_plot->yAxis2->setLabel(tr("MACs (M)"));

    m_inputs = new QCPBars(m_plot->xAxis, m_plot->yAxis);
    m_inputs->setName(tr("inputs"));
    m_inputs->setPen(Qt::NoPen);
    m_inputs->setBrush(QColor(52, 120, 196));
    m_outputs = new QCPBars(m_plot->xAxis, m_plot->yAxis);
    m_outputs->setName(tr("outputs"));
    m_outputs->setPen(Qt::NoPen);
    m_outputs->setBrush(QColor(236, 146, 52));
    m_outputs->moveAbove(m_inputs);
    m_macs = m_plot->addGraph(m_plot->xAxis, m_plot->yAxis2);
    m_macs->setName(tr("MACs"));
    m_macs->setPen(QPen(QColor(60, 60, 60), 1.5));
    m_macs->setLineStyle(QCPGraph::lsStepCenter);
    m_selection = m_plot->addGraph(m_plot->xAxis, m_plot->yAxis);
    m_selection->setName(tr("selected"));
    m_selection->setLineStyle(QCPGraph::lsImpulse);
    m_selection->setPen(QPen(QColor(200, 30, 30), 2));
    m_plot->legend->setVisible(true);
    m_plot->legend->setFont(QFont(font().family(), 8));
    m_plot->axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignTop | Qt::AlignRight);

    connect(m_plot, &QCustomPlot::mousePress, this, [this](QMouseEvent* e) {
        if (!m_model || e->button() != Qt::LeftButton)
            return;
        const int index = int(std::lround(m_plot->xAxis->pixelToCoord(e->pos().x())));
        if (index >= 0 && size_t(index) < m_model->main().ops.size())
            emit opClicked(index);
    });
}

void LayerChart::setModel(const Model* model)
{
    m_model = model;
    QVector<double> x, in, out, macs;
    if (model) {
        const Graph& g = model->main();
        for (size_t i = 0; i < g.ops.size(); ++i) {
            const OpFacts f = computeOpFacts(g, g.ops[i]);
            x << double(i);
            in << double(f.inputBytes) / 1024.0;
            out << double(f.outputBytes) / 1024.0;
            macs << double(f.macs) / 1e6;
        }
    }
    m_inputs->setData(x, in);
    m_outputs->setData(x, out);
    m_macs->setData(x, macs);
    m_selection->data()->clear();
    m_plot->rescaleAxes();
    m_plot->xAxis->setRange(-1, std::max<double>(1, double(x.size())));
    // Headroom above the tallest bar and the MAC line, so neither is clipped at the frame.
    m_plot->yAxis->setRange(0, m_plot->yAxis->range().upper * 1.12 + 1e-9);
    m_plot->yAxis2->setRange(0, m_plot->yAxis2->range().upper * 1.12 + 1e-9);
    m_plot->replot();
}

void LayerChart::selectOp(int index)
{
    m_selection->data()->clear();
    if (m_model && index >= 0) {
        const double top = m_plot->yAxis->range().upper;
        m_selection->addData(double(index), top);
    }
    m_plot->replot(QCustomPlot::rpQueuedReplot);
}

} // namespace ts
