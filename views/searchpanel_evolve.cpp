// The Search panel's Evolve tab: evolutionary search in one (width, resolution) pair; every
// evaluated candidate on a peak-SRAM / score scatter (feasible, infeasible, the Pareto front, the
// board's arena budget), the best candidates listed, opened in the studio or exported.

#include "views/searchpanel.h"
#include "views/searchpanel_p.h"

#include "model/tflite_export.h"

#include <qcustomplot.h>

#include <QComboBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QJsonDocument>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSaveFile>
#include <QSpinBox>
#include <QSplitter>
#include <QTabWidget>
#include <QTableWidget>
#include <QTimer>
#include <QToolTip>
#include <QVBoxLayout>
#include <QtConcurrent>

#include <algorithm>
#include <cmath>
#include <limits>

namespace ts {

using namespace searchui;

namespace {
constexpr int kMinReplotMs = 40; // live generations redraw the scatter at most 25 times a second

const QColor kFeasible(41, 128, 185);
const QColor kInfeasible(192, 57, 43, 150);
const QColor kPareto(230, 126, 34);
const QColor kBudget(90, 90, 90);

bool isProxy(const EvolutionResult& r) { return r.scoreName.find("proxy") != std::string::npos; }

// The y value of a candidate: its score (MACs in M for the proxy); an infeasible candidate has no
// score, so with the proxy it sits at its MACs (where it would have scored), else nowhere.
std::optional<double> plotY(const EvolutionResult& r, const Candidate& c)
{
    if (!c.figures.ok())
        return std::nullopt;
    if (isProxy(r))
        return double(c.figures.macs) / 1e6;
    if (c.scored)
        return c.score;
    return std::nullopt;
}
} // namespace

QWidget* SearchPanel::buildEvolveTab()
{
    auto* tab = new QWidget(this);
    auto* v = new QVBoxLayout(tab);
    auto* grid = new QGridLayout;
    grid->setHorizontalSpacing(6);
    int col = 0;
    auto add = [&](int row, const QString& label, QWidget* w) {
        grid->addWidget(new QLabel(label, tab), row, col++, Qt::AlignRight);
        grid->addWidget(w, row, col++);
    };
    m_evoSpaceBox = new QComboBox(tab);
    m_evoSpaceBox->setObjectName("evolveSpaceBox");
    for (int i = 0; i < int(m_spaces.size()); ++i) {
        m_evoSpaceBox->addItem(QString::fromStdString(m_spaces[size_t(i)].name), i);
        m_evoSpaceBox->setItemData(i, QString::fromStdString(m_spaces[size_t(i)].description), Qt::ToolTipRole);
    }
    m_evoSpaceBox->addItem(tr("Open JSON…"), -2);
    m_evoRes = new QComboBox(tab);
    m_evoRes->setObjectName("evolveResolution");
    m_evoWidth = new QComboBox(tab);
    m_evoWidth->setObjectName("evolveWidth");
    auto spin = [&](int lo, int hi, int value, const char* name) {
        auto* s = new QSpinBox(tab);
        s->setRange(lo, hi);
        s->setValue(value);
        s->setObjectName(name);
        return s;
    };
    m_population = spin(4, 100000, 100, "population");
    m_generations = spin(1, 10000, 20, "generations");
    m_evoSeed = spin(0, std::numeric_limits<int>::max(), 1, "evolveSeed");
    add(0, tr("Space:"), m_evoSpaceBox);
    add(0, tr("Resolution:"), m_evoRes);
    add(0, tr("Width:"), m_evoWidth);
    add(0, tr("Population:"), m_population);
    add(0, tr("Generations:"), m_generations);
    add(0, tr("Seed:"), m_evoSeed);
    grid->setColumnStretch(col, 1);

    m_evaluator = new QLineEdit(tab);
    m_evaluator->setObjectName("evaluator");
    m_evaluator->setPlaceholderText(tr("optional: a command run as COMMAND ARCH.json MODEL.tflite that prints {\"accuracy\": …}"));
    m_evaluator->setToolTip(tr("Empty: the score is the candidate's MACs, MCUNet's proxy for accuracy (not an accuracy)."));
    m_processes = spin(1, 64, 2, "evaluatorProcesses");
    m_timeout = spin(1, 24 * 3600, 600, "evaluatorTimeout");
    m_timeout->setSuffix(tr(" s"));
    auto* evalRow = new QHBoxLayout;
    evalRow->addWidget(new QLabel(tr("Evaluator:"), tab));
    evalRow->addWidget(m_evaluator, 1);
    evalRow->addWidget(new QLabel(tr("processes:"), tab));
    evalRow->addWidget(m_processes);
    evalRow->addWidget(new QLabel(tr("timeout:"), tab));
    evalRow->addWidget(m_timeout);
    v->addLayout(grid);
    v->addLayout(evalRow);
    v->addWidget(taskRow(m_evoTask, tab));
    m_evoTask.run->setObjectName("evolveRun");
    m_evoTask.cancel->setObjectName("evolveCancel");

    auto* split = new QSplitter(Qt::Vertical, tab);
    m_scatter = new QCustomPlot(split);
    m_scatter->setObjectName("scatterPlot");
    m_scatter->setMinimumSize(300, 180);
    m_scatter->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
    m_scatter->xAxis->setLabel(tr("peak SRAM of the arena (KiB)"));
    m_scatter->yAxis->setLabel(tr("score"));
    auto points = [&](const QString& name, QCPScatterStyle style, const QPen& line) {
        QCPGraph* g = m_scatter->addGraph();
        g->setName(name);
        g->setLineStyle(line.style() == Qt::NoPen ? QCPGraph::lsNone : QCPGraph::lsStepLeft);
        g->setPen(line);
        g->setScatterStyle(style);
        return g;
    };
    m_gInfeasible = points(tr("infeasible (MACs shown)"), QCPScatterStyle(QCPScatterStyle::ssCross, kInfeasible, 5), Qt::NoPen);
    m_gFeasible = points(tr("feasible"), QCPScatterStyle(QCPScatterStyle::ssDisc, kFeasible, 5), Qt::NoPen);
    m_gPareto = points(tr("Pareto front"), QCPScatterStyle(QCPScatterStyle::ssCircle, QPen(kPareto, 2), Qt::NoBrush, 9),
                       QPen(kPareto, 2));
    m_gSelected = points(tr("selected"), QCPScatterStyle(QCPScatterStyle::ssSquare, QPen(Qt::black, 2), Qt::NoBrush, 13),
                         Qt::NoPen);
    m_gSelected->removeFromLegend();
    m_budgetLine = new QCPItemStraightLine(m_scatter);
    m_budgetLine->setPen(QPen(kBudget, 1.5, Qt::DashLine));
    m_budgetLine->setVisible(false);
    m_budgetLabel = new QCPItemText(m_scatter);
    m_budgetLabel->setPositionAlignment(Qt::AlignRight | Qt::AlignTop);
    m_budgetLabel->position->setTypeX(QCPItemPosition::ptPlotCoords);
    m_budgetLabel->position->setTypeY(QCPItemPosition::ptAxisRectRatio);
    m_budgetLabel->setColor(kBudget);
    m_budgetLabel->setPadding(QMargins(0, 2, 4, 0));
    m_budgetLabel->setVisible(false);
    // The legend in a row above the plot: the points crowd every corner of the axis rect.
    m_scatter->axisRect()->insetLayout()->take(m_scatter->legend);
    m_scatter->plotLayout()->insertRow(0);
    m_scatter->plotLayout()->addElement(0, 0, m_scatter->legend);
    m_scatter->plotLayout()->setRowStretchFactor(0, 0.001);
    m_scatter->legend->setFillOrder(QCPLayoutGrid::foColumnsFirst);
    m_scatter->legend->setBorderPen(Qt::NoPen);
    m_scatter->legend->setBrush(Qt::NoBrush);
    m_scatter->legend->setColumnSpacing(16);
    m_scatter->legend->setMargins(QMargins(4, 2, 4, 0));
    m_scatter->legend->setVisible(true);
    m_scatter->setMouseTracking(true);
    connect(m_scatter, &QCustomPlot::mouseMove, this, &SearchPanel::scatterHover);
    connect(m_scatter, &QCustomPlot::mouseRelease, this, &SearchPanel::scatterClick);

    auto* bottom = new QWidget(split);
    auto* bv = new QVBoxLayout(bottom);
    bv->setContentsMargins(0, 0, 0, 0);
    m_bestTable = new QTableWidget(0, 9, bottom);
    m_bestTable->setObjectName("bestTable");
    m_bestTable->setHorizontalHeaderLabels({tr("Rank"), tr("Score"), tr("MACs (M)"), tr("Peak SRAM\n(KiB)"), tr("Flash (KiB)"),
                                            tr("Latency (M QEMU\ninstr., estimated)"), tr("Patch"), tr("Gen."), tr("Architecture")});
    m_bestTable->horizontalHeaderItem(5)->setToolTip(
        tr("QEMU instructions per inference, estimated by the per-kernel cost model (not measured, not cycles)"));
    m_bestTable->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_bestTable->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_bestTable->setSelectionMode(QAbstractItemView::SingleSelection);
    m_bestTable->verticalHeader()->setVisible(false);
    m_bestTable->horizontalHeader()->setStretchLastSection(true);
    m_bestTable->setSortingEnabled(true);
    m_bestTable->setWordWrap(false);
    m_bestTable->setTextElideMode(Qt::ElideMiddle);
    m_bestTable->verticalHeader()->setDefaultSectionSize(m_bestTable->fontMetrics().height() + 6);
    bv->addWidget(m_bestTable, 1);
    auto* buttons = new QHBoxLayout;
    m_selectedLabel = new QLabel(tr("No candidate selected."), bottom);
    m_selectedLabel->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
    m_openCandidate = new QPushButton(tr("Open in studio"), bottom);
    m_openCandidate->setObjectName("openCandidate");
    m_exportTflite = new QPushButton(tr("Export .tflite…"), bottom);
    m_exportJson = new QPushButton(tr("Export architecture JSON…"), bottom);
    buttons->addWidget(m_selectedLabel, 1);
    buttons->addWidget(m_openCandidate);
    buttons->addWidget(m_exportTflite);
    buttons->addWidget(m_exportJson);
    bv->addLayout(buttons);
    split->addWidget(m_scatter);
    split->addWidget(bottom);
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 2);
    split->setSizes({600, 300});
    v->addWidget(split, 1);

    m_scatterTimer = new QTimer(this);
    m_scatterTimer->setSingleShot(true);
    connect(m_scatterTimer, &QTimer::timeout, this, &SearchPanel::redrawScatter);

    connect(m_evoSpaceBox, &QComboBox::activated, this, [this](int row) { onSpaceBoxActivated(m_evoSpaceBox, row); });
    connect(m_evoTask.run, &QPushButton::clicked, this, [this] { runEvolve(); });
    connect(m_bestTable, &QTableWidget::itemSelectionChanged, this, [this] {
        const int row = m_bestTable->currentRow();
        if (row >= 0 && m_bestTable->item(row, 0))
            selectCandidate(m_bestTable->item(row, 0)->data(Qt::UserRole + 1).toInt());
    });
    connect(m_openCandidate, &QPushButton::clicked, this, [this] {
        QString error;
        auto model = selectedModel(&error);
        if (!model) {
            m_evoTask.status->setText(error);
            return;
        }
        const Candidate& c = m_evo->candidates[size_t(m_selected)];
        const Architecture& a = c.arch;
        EvalOptions eval; // as the evolution ran (runEvolve): the default planner, reserve and cap
        const ScheduleDoc schedule = candidateSession(*model, m_evoBoard.toStdString(), c.figures, eval).schedule;
        emit openCandidate(model, m_evoBoard,
                           tr("%1 candidate #%2 (%3\u00d7%3, width %4, untrained)")
                               .arg(QString::fromStdString(a.space))
                               .arg(m_selected)
                               .arg(a.resolution)
                               .arg(widthText(a.width)),
                           schedule);
    });
    connect(m_exportTflite, &QPushButton::clicked, this, [this] {
        const QString path = QFileDialog::getSaveFileName(this, tr("Export candidate model"), QStringLiteral("candidate.tflite"),
                                                          tr("TFLite models (*.tflite)"));
        QString error;
        if (!path.isEmpty())
            m_evoTask.status->setText(exportSelectedTflite(path, &error)
                                          ? tr("Wrote %1 (pseudo-random weights, marked untrained).").arg(path)
                                          : error);
    });
    connect(m_exportJson, &QPushButton::clicked, this, [this] {
        const QString path = QFileDialog::getSaveFileName(this, tr("Export candidate architecture"),
                                                          QStringLiteral("candidate.json"), tr("JSON (*.json)"));
        QString error;
        if (!path.isEmpty())
            m_evoTask.status->setText(exportSelectedArchitecture(path, &error) ? tr("Wrote %1.").arg(path) : error);
    });

    m_evoWatcher = new QFutureWatcher<Result<EvolutionResult>>(this);
    connect(m_evoWatcher, &QFutureWatcherBase::finished, this, &SearchPanel::onEvolveFinished);
    fillPairBoxes();
    updateSelection();
    return tab;
}

void SearchPanel::setEvolvePair(int resolution, double width)
{
    const int ri = m_evoRes->findData(resolution), wi = m_evoWidth->findData(width);
    if (ri >= 0)
        m_evoRes->setCurrentIndex(ri);
    if (wi >= 0)
        m_evoWidth->setCurrentIndex(wi);
}

EvolutionOptions SearchPanel::evolveOptions() const
{
    EvolutionOptions o;
    o.resolution = m_evoRes->currentData().toInt();
    o.width = m_evoWidth->currentData().toDouble();
    o.population = m_population->value();
    o.generations = m_generations->value();
    o.seed = uint64_t(m_evoSeed->value());
    o.evaluator = m_evaluator->text().trimmed().toStdString();
    o.evaluatorProcesses = m_processes->value();
    o.evaluatorTimeoutMs = m_timeout->value() * 1000;
    return o;
}

QString SearchPanel::evolveStatus() const { return m_evoTask.status->text(); }

bool SearchPanel::runEvolve() { return runEvolve(evolveOptions()); }

bool SearchPanel::runEvolve(const EvolutionOptions& options)
{
    const int si = spaceIndex(m_evoSpaceBox);
    if (m_evoTask.running() || !m_board || si < 0)
        return false;
    EvolutionOptions o = options;
    o.eval.cost = m_cost.get();
    m_evoOf = m_spaces[size_t(si)];
    m_evoBoard = QString::fromStdString(m_board->id);
    m_evo.reset();
    m_selected = -1;
    showEvolution();
    auto job = startTask(m_evoTask);
    m_evoWatcher->setFuture(QtConcurrent::run(&m_pool, [this, space = m_evoOf, board = *m_board, boards = m_boards,
                                                        cost = m_cost, o, job] {
        // `this` outlives the worker (the destructor waits for it); the result goes over as a copy.
        return runEvolution(space, board, *boards, o, job.get(),
                            [this](const EvolutionResult& r) { postGeneration(r); });
    }));
    return true;
}

void SearchPanel::postGeneration(const EvolutionResult& r)
{
    QMetaObject::invokeMethod(
        this,
        [this, copy = r]() mutable {
            if (!m_evoTask.running())
                return; // the final result (or a cancel) came first
            m_evo = std::move(copy);
            scheduleScatter();
        },
        Qt::QueuedConnection);
}

void SearchPanel::scheduleScatter()
{
    if (m_scatterTimer->isActive())
        return;
    const qint64 since = m_lastScatter.isValid() ? m_lastScatter.elapsed() : kMinReplotMs;
    if (since >= kMinReplotMs)
        redrawScatter();
    else
        m_scatterTimer->start(int(kMinReplotMs - since));
}

void SearchPanel::onEvolveFinished()
{
    auto r = m_evoWatcher->result();
    m_scatterTimer->stop();
    if (!r.ok()) {
        // Keep what the last generation showed; say why it ended.
        endTask(m_evoTask, QString::fromStdString(firstError(r.diagnostics)));
        showEvolution();
        emit searchFinished();
        return;
    }
    m_evo = std::move(*r.value);
    int feasible = 0;
    for (const Candidate& c : m_evo->candidates)
        feasible += c.figures.ok() && c.figures.fits;
    endTask(m_evoTask, tr("%1 generations, %L2 candidates evaluated (%L3 feasible) in %4 s; score: %5.")
                           .arg(m_evo->generations)
                           .arg(m_evo->candidates.size())
                           .arg(feasible)
                           .arg(m_evo->seconds, 0, 'f', 1)
                           .arg(QString::fromStdString(m_evo->scoreName)));
    showEvolution();
    if (!m_evo->best.empty())
        m_bestTable->selectRow(0);
    emit searchFinished();
}

void SearchPanel::showEvolution()
{
    redrawScatter();
    fillBestTable();
    updateSelection();
}

void SearchPanel::redrawScatter()
{
    m_lastScatter.start();
    QVector<double> fx, fy, ix, iy, px, py;
    int64_t budget = 0;
    int unscored = 0, unscoredFeasible = 0; // with an evaluator: no score, no y
    QString yLabel = tr("score");
    if (m_evo) {
        const EvolutionResult& r = *m_evo;
        for (const Candidate& c : r.candidates) {
            const auto y = plotY(r, c);
            if (c.figures.ok() && c.figures.arenaBudget > 0)
                budget = c.figures.arenaBudget;
            if (!y) {
                unscored += c.figures.ok() && !c.figures.fits;
                unscoredFeasible += c.figures.ok() && c.figures.fits;
                continue;
            }
            const double x = double(c.figures.peakBytes) / 1024.0;
            if (c.figures.fits) {
                fx << x;
                fy << *y;
            } else {
                ix << x;
                iy << *y;
            }
        }
        for (int i : r.pareto) {
            const Candidate& c = r.candidates[size_t(i)];
            px << double(c.figures.peakBytes) / 1024.0;
            py << (isProxy(r) ? c.score / 1e6 : c.score);
        }
        // The proxy's name says it is one ("MACs (proxy for accuracy)"); its unit here is millions.
        yLabel = isProxy(r) ? tr("%1, M").arg(QString::fromStdString(r.scoreName)) : QString::fromStdString(r.scoreName);
    }
    m_gFeasible->setData(fx, fy);
    m_gInfeasible->setData(ix, iy);
    m_gPareto->setData(px, py, true);
    m_scatter->yAxis->setLabel(yLabel);
    m_scatter->rescaleAxes();
    QCPRange xr = m_scatter->xAxis->range(), yr = m_scatter->yAxis->range();
    m_budgetLine->setVisible(budget > 0);
    m_budgetLabel->setVisible(budget > 0);
    int offRight = 0;
    if (budget > 0) {
        const double bx = double(budget) / 1024.0;
        m_budgetLine->point1->setCoords(bx, 0);
        m_budgetLine->point2->setCoords(bx, 1);
        m_budgetLabel->position->setCoords(bx, 0.0);
        m_budgetLabel->setText(tr("arena budget %1 KiB").arg(kib(budget)));
        xr.expand(bx);
        // Candidates far over the budget would squeeze the feasible ones into a corner: the view
        // ends at 1.6× the budget (drag or zoom to see the rest; the legend counts them).
        const double limit = std::max(1.6 * bx, fx.isEmpty() ? 0.0 : *std::max_element(fx.begin(), fx.end()));
        if (xr.upper > limit) {
            xr.upper = limit;
            for (double x : ix)
                offRight += x > limit;
            yr = QCPRange(std::numeric_limits<double>::max(), std::numeric_limits<double>::lowest());
            for (const auto* set : {&fx, &ix})
                for (int k = 0; k < set->size(); ++k)
                    if ((set == &fx ? fx : ix)[k] <= limit)
                        yr.expand((set == &fx ? fy : iy)[k]);
            if (yr.lower > yr.upper)
                yr = m_scatter->yAxis->range();
        }
    }
    m_gInfeasible->setName(offRight ? tr("infeasible: over SRAM, flash or latency (%1, %2 beyond the right edge)").arg(ix.size()).arg(offRight)
                                    : tr("infeasible: over SRAM, flash or latency (%1)").arg(ix.size()));
    if (unscored)
        m_gInfeasible->setName(tr("infeasible: %1, not scored, not drawn").arg(unscored));
    m_gFeasible->setName(unscoredFeasible ? tr("feasible (%1; %2 the evaluator failed on, not drawn)").arg(fx.size()).arg(unscoredFeasible)
                                          : tr("feasible (%1)").arg(fx.size()));
    m_gPareto->setName(tr("Pareto front (%1)").arg(px.size()));
    const double dx = std::max(xr.size(), 1.0) * 0.04, dy = std::max(yr.size(), 1e-6) * 0.08;
    m_scatter->xAxis->setRange(std::max(0.0, xr.lower - dx), xr.upper + dx);
    m_scatter->yAxis->setRange(yr.lower - dy, yr.upper + dy);
    // The selected candidate's marker.
    QVector<double> sx, sy;
    if (m_evo && m_selected >= 0 && m_selected < int(m_evo->candidates.size()))
        if (const auto y = plotY(*m_evo, m_evo->candidates[size_t(m_selected)])) {
            sx << double(m_evo->candidates[size_t(m_selected)].figures.peakBytes) / 1024.0;
            sy << *y;
        }
    m_gSelected->setData(sx, sy);
    m_scatter->replot(QCustomPlot::rpQueuedReplot);
    if (m_evoTask.running() && m_evo)
        fillBestTable();
}

void SearchPanel::fillBestTable()
{
    m_bestTable->setSortingEnabled(false);
    m_bestTable->clearContents();
    m_bestTable->setRowCount(m_evo ? int(m_evo->best.size()) : 0);
    if (!m_evo) {
        m_bestTable->setSortingEnabled(true);
        return;
    }
    const bool proxy = isProxy(*m_evo);
    for (int row = 0; row < int(m_evo->best.size()); ++row) {
        const int i = m_evo->best[size_t(row)];
        const Candidate& c = m_evo->candidates[size_t(i)];
        const CandidateFigures& f = c.figures;
        auto* rank = new NumberItem(QString::number(row + 1), row + 1);
        rank->setData(Qt::UserRole + 1, i);
        m_bestTable->setItem(row, 0, rank);
        m_bestTable->setItem(row, 1, new NumberItem(proxy ? mega(c.score) : QString::number(c.score, 'f', 4), c.score));
        m_bestTable->setItem(row, 2, new NumberItem(mega(double(f.macs)), double(f.macs)));
        m_bestTable->setItem(row, 3, new NumberItem(kib(f.peakBytes), double(f.peakBytes)));
        m_bestTable->setItem(row, 4, new NumberItem(kib(f.flashBytes), double(f.flashBytes)));
        m_bestTable->setItem(row, 5, f.latency > 0 ? new NumberItem(latencyText(f.latency), double(f.latency)) : NumberItem::none());
        m_bestTable->setItem(row, 6, textItem(patchText(f)));
        m_bestTable->setItem(row, 7, new NumberItem(QString::number(c.generation), c.generation));
        m_bestTable->setItem(row, 8, textItem(QString::fromStdString(c.arch.key())));
    }
    m_bestTable->setSortingEnabled(true);
    m_bestTable->sortByColumn(0, Qt::AscendingOrder);
    m_bestTable->resizeColumnsToContents();
    m_bestTable->setColumnWidth(8, std::min(m_bestTable->columnWidth(8), 420));
}

void SearchPanel::selectCandidate(int index)
{
    m_selected = m_evo && index >= 0 && index < int(m_evo->candidates.size()) ? index : -1;
    updateSelection();
    redrawScatter();
}

void SearchPanel::updateSelection()
{
    const bool ok = m_selected >= 0 && m_evo;
    const bool idle = !m_evoTask.running();
    for (QPushButton* b : {m_openCandidate, m_exportTflite, m_exportJson})
        b->setEnabled(ok && idle);
    if (!ok) {
        m_selectedLabel->setText(tr("Select a candidate (table or scatter) to open or export it."));
        return;
    }
    const Candidate& c = m_evo->candidates[size_t(m_selected)];
    m_selectedLabel->setText(tr("Selected: %1 — %2 KiB peak, %3 M MACs%4")
                                 .arg(QString::fromStdString(c.arch.key()), kib(c.figures.peakBytes), mega(double(c.figures.macs)),
                                      c.figures.fits ? QString() : tr(", does not fit: %1").arg(QString::fromStdString(c.figures.reason))));
    m_selectedLabel->setToolTip(m_selectedLabel->text());
}

int SearchPanel::nearestCandidate(const QPointF& pos, double maxPixels) const
{
    if (!m_evo)
        return -1;
    int best = -1;
    double bestD = maxPixels * maxPixels;
    for (int i = 0; i < int(m_evo->candidates.size()); ++i) {
        const auto y = plotY(*m_evo, m_evo->candidates[size_t(i)]);
        if (!y)
            continue;
        const double px = m_scatter->xAxis->coordToPixel(double(m_evo->candidates[size_t(i)].figures.peakBytes) / 1024.0);
        const double py = m_scatter->yAxis->coordToPixel(*y);
        const double d = (px - pos.x()) * (px - pos.x()) + (py - pos.y()) * (py - pos.y());
        if (d < bestD) {
            bestD = d;
            best = i;
        }
    }
    return best;
}

void SearchPanel::scatterHover(QMouseEvent* e)
{
    const int i = nearestCandidate(e->position(), 6);
    if (i < 0) {
        QToolTip::hideText();
        return;
    }
    const Candidate& c = m_evo->candidates[size_t(i)];
    const CandidateFigures& f = c.figures;
    QString text = tr("%1\ngeneration %2: %3 KiB peak, %4 KiB flash, %5 M MACs, latency %6 M instr. (est.)")
                       .arg(QString::fromStdString(c.arch.key()))
                       .arg(c.generation)
                       .arg(kib(f.peakBytes), kib(f.flashBytes), mega(double(f.macs)), latencyText(f.latency));
    text += f.fits ? tr("\nfits%1").arg(f.patch ? tr(" with patches %1").arg(patchText(f)) : QString())
                   : tr("\ndoes not fit: %1").arg(QString::fromStdString(f.reason));
    if (!c.evaluatorError.empty())
        text += tr("\nevaluator: %1").arg(QString::fromStdString(c.evaluatorError));
    QToolTip::showText(e->globalPosition().toPoint(), text, m_scatter);
}

void SearchPanel::scatterClick(QMouseEvent* e)
{
    const int i = nearestCandidate(e->position(), 6);
    if (i < 0)
        return;
    // The row of the best table, if the candidate is one of the best; else just the selection.
    for (int row = 0; row < m_bestTable->rowCount(); ++row)
        if (m_bestTable->item(row, 0) && m_bestTable->item(row, 0)->data(Qt::UserRole + 1).toInt() == i) {
            m_bestTable->selectRow(row);
            return;
        }
    m_bestTable->clearSelection();
    selectCandidate(i);
}

std::shared_ptr<const Model> SearchPanel::selectedModel(QString* error) const
{
    if (!m_evo || m_selected < 0) {
        if (error)
            *error = tr("No candidate selected.");
        return nullptr;
    }
    return std::make_shared<const Model>(buildCandidateModel(m_evoOf, m_evo->candidates[size_t(m_selected)].arch, true));
}

bool SearchPanel::exportSelectedTflite(const QString& path, QString* error) const
{
    auto model = selectedModel(error);
    if (!model)
        return false;
    const Diagnostics d = writeTfliteFile(*model, path.toStdString());
    if (hasErrors(d)) {
        if (error)
            *error = QString::fromStdString(firstError(d));
        return false;
    }
    return true;
}

bool SearchPanel::exportSelectedArchitecture(const QString& path, QString* error) const
{
    if (!m_evo || m_selected < 0) {
        if (error)
            *error = tr("No candidate selected.");
        return false;
    }
    QSaveFile f(path);
    const QByteArray json = QJsonDocument(architectureToJson(m_evo->candidates[size_t(m_selected)].arch)).toJson();
    if (!f.open(QIODevice::WriteOnly) || f.write(json) != json.size() || !f.commit()) {
        if (error)
            *error = tr("%1: cannot write (%2)").arg(path, f.errorString());
        return false;
    }
    return true;
}

} // namespace ts
