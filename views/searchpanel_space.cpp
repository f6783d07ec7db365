// The Search panel's Space tab: search-space optimization, one CDF of the fitting candidates' MACs
// per (width, resolution) pair, the recommended pair highlighted; and the space selectors shared
// with the Evolve tab.

#include "views/searchpanel.h"
#include "views/searchpanel_p.h"

#include <qcustomplot.h>

#include <QComboBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QProgressBar>
#include <QPushButton>
#include <QSpinBox>
#include <QSplitter>
#include <QTabWidget>
#include <QTableWidget>
#include <QToolTip>
#include <QVBoxLayout>
#include <QtConcurrent>

#include <algorithm>
#include <cmath>

namespace ts {

using namespace searchui;

namespace {
constexpr int kOpenJsonRow = -2; // the combo item that opens a file

// One colour per resolution, spread over the hue circle (red → violet).
QColor resolutionColor(int index, int count)
{
    const int hue = count > 1 ? index * 280 / (count - 1) : 200;
    return QColor::fromHsv(hue, 200, 190);
}
} // namespace

// ---------------------------------------------------------------- spaces

QStringList SearchPanel::spaceNames() const
{
    QStringList names;
    for (const SearchSpace& s : m_spaces)
        names << QString::fromStdString(s.name);
    return names;
}

int SearchPanel::spaceIndex(const QComboBox* box) const
{
    const int i = box->currentData().toInt();
    return i >= 0 && i < int(m_spaces.size()) ? i : -1;
}

bool SearchPanel::selectSpace(const QString& name)
{
    for (int i = 0; i < int(m_spaces.size()); ++i)
        if (QString::fromStdString(m_spaces[size_t(i)].name) == name) {
            for (QComboBox* box : {m_spaceBox, m_evoSpaceBox})
                if (box)
                    box->setCurrentIndex(box->findData(i));
            fillPairBoxes();
            return true;
        }
    return false;
}

bool SearchPanel::addSpaceFile(const QString& path, QString* error)
{
    auto s = loadSearchSpace(path.toStdString());
    if (!s.ok()) {
        if (error)
            *error = QString::fromStdString(firstError(s.diagnostics));
        return false;
    }
    const int index = int(m_spaces.size());
    const QString label = tr("%1 (%2)").arg(QString::fromStdString(s->name), QFileInfo(path).fileName());
    m_spaces.push_back(std::move(*s.value));
    for (QComboBox* box : {m_spaceBox, m_evoSpaceBox}) {
        box->insertItem(box->count() - 1, label, index); // before "Open JSON…"
        box->setItemData(box->count() - 2, path, Qt::ToolTipRole);
        box->setCurrentIndex(box->count() - 2);
    }
    fillPairBoxes();
    return true;
}

void SearchPanel::onSpaceBoxActivated(QComboBox* box, int row)
{
    if (box->itemData(row).toInt() != kOpenJsonRow) {
        if (box == m_evoSpaceBox)
            fillPairBoxes();
        return;
    }
    // Back to the previous space while the dialog is open (and when it is cancelled).
    box->setCurrentIndex(0);
    const QString path = QFileDialog::getOpenFileName(this, tr("Open search space"), QString(),
                                                      tr("Search spaces (*.json);;All files (*)"));
    if (path.isEmpty())
        return;
    QString error;
    if (!addSpaceFile(path, &error))
        (box == m_spaceBox ? m_spaceTask : m_evoTask).status->setText(tr("Cannot open the search space: %1").arg(error));
}

void SearchPanel::fillPairBoxes()
{
    if (!m_evoRes)
        return;
    const int i = spaceIndex(m_evoSpaceBox);
    const QVariant res = m_evoRes->currentData(), width = m_evoWidth->currentData();
    m_evoRes->clear();
    m_evoWidth->clear();
    if (i < 0)
        return;
    const SearchSpace& s = m_spaces[size_t(i)];
    for (int r : s.resolutions)
        m_evoRes->addItem(QStringLiteral("%1\u00d7%1").arg(r), r);
    for (double w : s.widths)
        m_evoWidth->addItem(widthText(w), w);
    // Keep the pair when the new space offers it; else the largest resolution and width.
    const int ri = m_evoRes->findData(res), wi = m_evoWidth->findData(width);
    m_evoRes->setCurrentIndex(ri >= 0 ? ri : m_evoRes->count() - 1);
    m_evoWidth->setCurrentIndex(wi >= 0 ? wi : m_evoWidth->count() - 1);
}

// ---------------------------------------------------------------- the tab

QWidget* SearchPanel::buildSpaceTab()
{
    auto* tab = new QWidget(this);
    auto* v = new QVBoxLayout(tab);
    auto* options = new QHBoxLayout;
    options->addWidget(new QLabel(tr("Space:"), tab));
    m_spaceBox = new QComboBox(tab);
    m_spaceBox->setObjectName("spaceBox");
    for (int i = 0; i < int(m_spaces.size()); ++i) {
        m_spaceBox->addItem(QString::fromStdString(m_spaces[size_t(i)].name), i);
        m_spaceBox->setItemData(i, QString::fromStdString(m_spaces[size_t(i)].description), Qt::ToolTipRole);
    }
    m_spaceBox->addItem(tr("Open JSON…"), kOpenJsonRow);
    options->addWidget(m_spaceBox);
    options->addSpacing(12);
    options->addWidget(new QLabel(tr("Samples per pair:"), tab));
    m_samples = new QSpinBox(tab);
    m_samples->setObjectName("samplesPerPair");
    m_samples->setRange(1, 100000);
    m_samples->setValue(1000);
    m_samples->setToolTip(tr("Random architectures drawn per (width, resolution) pair"));
    options->addWidget(m_samples);
    options->addSpacing(12);
    options->addWidget(new QLabel(tr("Seed:"), tab));
    m_spaceSeed = new QSpinBox(tab);
    m_spaceSeed->setRange(0, std::numeric_limits<int>::max());
    m_spaceSeed->setValue(1);
    options->addWidget(m_spaceSeed);
    options->addStretch(1);
    v->addLayout(options);
    v->addWidget(taskRow(m_spaceTask, tab));
    m_spaceTask.run->setObjectName("spaceRun");
    m_spaceTask.cancel->setObjectName("spaceCancel");

    m_recommendation = new QLabel(tab);
    m_recommendation->setObjectName("recommendation");
    m_recommendation->setWordWrap(true);
    m_recommendation->setTextFormat(Qt::RichText);
    v->addWidget(m_recommendation);

    auto* split = new QSplitter(Qt::Horizontal, tab);
    m_cdf = new QCustomPlot(split);
    m_cdf->setObjectName("cdfPlot");
    m_cdf->setMinimumSize(300, 200);
    m_cdf->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
    m_cdf->xAxis->setLabel(tr("MACs (M) of the candidates that fit"));
    m_cdf->yAxis->setLabel(tr("cumulative fraction of the fitting candidates"));
    m_cdf->yAxis->setRange(0, 1.02);
    m_cdf->axisRect()->setRangeDrag(Qt::Horizontal);
    m_cdf->axisRect()->setRangeZoom(Qt::Horizontal);
    // The legend in a column right of the plot, so it never hides a curve.
    m_cdf->axisRect()->insetLayout()->take(m_cdf->legend);
    m_cdf->plotLayout()->addElement(0, 1, m_cdf->legend);
    m_cdf->plotLayout()->setColumnStretchFactor(1, 0.001);
    m_cdf->legend->setBorderPen(Qt::NoPen);
    m_cdf->legend->setBrush(Qt::NoBrush);
    m_cdf->legend->setIconSize(18, 10);
    QFont small = font();
    small.setPointSizeF(small.pointSizeF() * 0.9);
    m_cdf->legend->setFont(small);
    m_cdf->legend->setVisible(false);
    m_cdf->setMouseTracking(true);
    connect(m_cdf, &QCustomPlot::mouseMove, this, &SearchPanel::cdfHover);

    auto* side = new QWidget(split);
    auto* sv = new QVBoxLayout(side);
    sv->setContentsMargins(0, 0, 0, 0);
    auto* filterRow = new QHBoxLayout;
    filterRow->addWidget(new QLabel(tr("Curves:"), side));
    m_widthFilter = new QComboBox(side);
    m_widthFilter->setObjectName("widthFilter");
    filterRow->addWidget(m_widthFilter, 1);
    sv->addLayout(filterRow);
    m_pairTable = new QTableWidget(0, 5, side);
    m_pairTable->setObjectName("pairTable");
    m_pairTable->setHorizontalHeaderLabels({tr("Width"), tr("Res."), tr("Fit / samples"), tr("Fit %"), tr("Mean MACs (M)")});
    m_pairTable->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_pairTable->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_pairTable->setSelectionMode(QAbstractItemView::SingleSelection);
    m_pairTable->verticalHeader()->setVisible(false);
    m_pairTable->setSortingEnabled(true);
    m_pairTable->verticalHeader()->setDefaultSectionSize(m_pairTable->fontMetrics().height() + 6);
    m_pairTable->setToolTip(tr("Double-click a pair to search it in the Evolve tab"));
    sv->addWidget(m_pairTable, 1);
    m_usePair = new QPushButton(tr("Evolve in this pair →"), side);
    m_usePair->setEnabled(false);
    sv->addWidget(m_usePair);
    split->addWidget(m_cdf);
    split->addWidget(side);
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 1);
    v->addWidget(split, 1);

    connect(m_spaceBox, &QComboBox::activated, this, [this](int row) { onSpaceBoxActivated(m_spaceBox, row); });
    connect(m_spaceTask.run, &QPushButton::clicked, this, [this] { runSpace(); });
    connect(m_widthFilter, &QComboBox::activated, this, [this](int row) {
        m_filterWidth = m_widthFilter->itemData(row).toDouble();
        rebuildCdf();
    });
    auto usePair = [this](int row) {
        if (!m_space || row < 0)
            return;
        const int p = m_pairTable->item(row, 0)->data(Qt::UserRole + 1).toInt();
        const SpacePair& pair = m_space->pairs[size_t(p)];
        selectSpace(QString::fromStdString(m_spaceOf.name));
        setEvolvePair(pair.resolution, pair.width);
        m_tabs->setCurrentIndex(2);
    };
    connect(m_pairTable, &QTableWidget::cellDoubleClicked, this, [usePair](int row, int) { usePair(row); });
    connect(m_pairTable, &QTableWidget::itemSelectionChanged, this,
            [this] { m_usePair->setEnabled(m_space && m_pairTable->currentRow() >= 0); });
    connect(m_usePair, &QPushButton::clicked, this, [this, usePair] { usePair(m_pairTable->currentRow()); });

    m_spaceWatcher = new QFutureWatcher<Result<SpaceOptResult>>(this);
    connect(m_spaceWatcher, &QFutureWatcherBase::finished, this, &SearchPanel::onSpaceFinished);
    m_recommendation->setText(tr("Run to sample every (width, resolution) pair of the space: each curve is the "
                                 "cumulative distribution of the MACs of the sampled candidates that fit the board; "
                                 "the pair whose fitting candidates have the most MACs on average is recommended."));
    return tab;
}

SpaceOptOptions SearchPanel::spaceOptions() const
{
    SpaceOptOptions o;
    o.samplesPerPair = m_samples->value();
    o.seed = uint64_t(m_spaceSeed->value());
    return o;
}

bool SearchPanel::runSpace() { return runSpace(spaceOptions()); }

bool SearchPanel::runSpace(const SpaceOptOptions& options)
{
    const int si = spaceIndex(m_spaceBox);
    if (m_spaceTask.running() || !m_board || si < 0)
        return false;
    SpaceOptOptions o = options;
    o.eval.cost = m_cost.get();
    m_spaceOf = m_spaces[size_t(si)];
    m_spaceBoard = QString::fromStdString(m_board->name);
    auto job = startTask(m_spaceTask);
    m_spaceWatcher->setFuture(QtConcurrent::run(&m_pool, [space = m_spaceOf, board = *m_board, boards = m_boards,
                                                          cost = m_cost, o, job] {
        return optimizeSearchSpace(space, board, *boards, o, job.get());
    }));
    return true;
}

QString SearchPanel::spaceStatus() const { return m_spaceTask.status->text(); }
QString SearchPanel::recommendationText() const { return m_recommendation->text(); }

void SearchPanel::onSpaceFinished()
{
    auto r = m_spaceWatcher->result();
    if (!r.ok()) {
        endTask(m_spaceTask, QString::fromStdString(firstError(r.diagnostics)));
        emit searchFinished();
        return;
    }
    m_space = std::move(*r.value);
    m_filterWidth = -1; // the recommended pair's width
    showSpace();
    const SpaceOptResult& s = *m_space;
    if (s.recommended >= 0) {
        // The Evolve tab starts from the recommendation.
        const SpacePair& p = s.pairs[size_t(s.recommended)];
        selectSpace(QString::fromStdString(m_spaceOf.name));
        setEvolvePair(p.resolution, p.width);
    }
    endTask(m_spaceTask, tr("%1: %2 pairs, %L3 candidates evaluated for %4 in %5 s.")
                             .arg(QString::fromStdString(m_spaceOf.name))
                             .arg(s.pairs.size())
                             .arg(s.evaluated)
                             .arg(m_spaceBoard)
                             .arg(s.seconds, 0, 'f', 1));
    emit searchFinished();
}

void SearchPanel::showSpace()
{
    const SpaceOptResult& s = *m_space;
    // The width filter: the recommended pair's width, every width, or one width.
    m_widthFilter->clear();
    m_widthFilter->addItem(s.recommended >= 0
                               ? tr("recommended pair's width (%1)").arg(widthText(s.pairs[size_t(s.recommended)].width))
                               : tr("recommended pair's width (none: all)"),
                           -1.0);
    m_widthFilter->addItem(tr("all widths"), 0.0);
    std::vector<double> widths;
    for (const SpacePair& p : s.pairs)
        if (std::find(widths.begin(), widths.end(), p.width) == widths.end())
            widths.push_back(p.width);
    std::sort(widths.begin(), widths.end());
    for (double w : widths)
        m_widthFilter->addItem(tr("width %1").arg(widthText(w)), w);
    const int fi = m_widthFilter->findData(m_filterWidth);
    m_widthFilter->setCurrentIndex(fi >= 0 ? fi : 0);

    if (s.recommended >= 0) {
        const SpacePair& p = s.pairs[size_t(s.recommended)];
        m_recommendation->setText(tr("<b>Recommended: %1</b> — mean %2 M MACs over its %3 fitting candidates "
                                     "(%4 % of %5 sampled fit %6). Space <i>%7</i>, %8 pairs.")
                                      .arg(pairText(p.width, p.resolution), mega(p.meanMacs))
                                      .arg(p.fitting)
                                      .arg(100.0 * p.fitFraction(), 0, 'f', 1)
                                      .arg(p.samples)
                                      .arg(m_spaceBoard.toHtmlEscaped(),
                                           QString::fromStdString(m_spaceOf.name).toHtmlEscaped())
                                      .arg(s.pairs.size()));
    } else {
        m_recommendation->setText(tr("<b>No pair recommended</b>: in no pair do enough sampled candidates fit %1 "
                                     "(at least 5 % are needed). Try a smaller space or another board.")
                                      .arg(m_spaceBoard.toHtmlEscaped()));
    }

    m_pairTable->setSortingEnabled(false);
    m_pairTable->clearContents();
    m_pairTable->setRowCount(int(s.pairs.size()));
    for (int i = 0; i < int(s.pairs.size()); ++i) {
        const SpacePair& p = s.pairs[size_t(i)];
        auto* w = new NumberItem(widthText(p.width), p.width);
        w->setData(Qt::UserRole + 1, i);
        m_pairTable->setItem(i, 0, w);
        m_pairTable->setItem(i, 1, new NumberItem(QString::number(p.resolution), p.resolution));
        m_pairTable->setItem(i, 2, new NumberItem(QStringLiteral("%1 / %2").arg(p.fitting).arg(p.samples), p.fitting));
        m_pairTable->setItem(i, 3, new NumberItem(QString::number(100.0 * p.fitFraction(), 'f', 1), p.fitFraction()));
        // No fitting candidate sorts below every mean (the table starts sorted by mean, descending).
        m_pairTable->setItem(i, 4, new NumberItem(p.fitting ? mega(p.meanMacs) : dash(), p.fitting ? p.meanMacs : -1.0));
        if (i == s.recommended)
            for (int c = 0; c < 5; ++c) {
                QFont f = m_pairTable->item(i, c)->font();
                f.setBold(true);
                m_pairTable->item(i, c)->setFont(f);
                m_pairTable->item(i, c)->setBackground(QColor(255, 236, 179));
            }
    }
    m_pairTable->setSortingEnabled(true);
    m_pairTable->sortByColumn(4, Qt::DescendingOrder);
    m_pairTable->resizeColumnsToContents();
    rebuildCdf();
}

void SearchPanel::setWidthFilter(double width)
{
    m_filterWidth = width;
    if (m_widthFilter->findData(width) >= 0)
        m_widthFilter->setCurrentIndex(m_widthFilter->findData(width));
    if (m_space)
        rebuildCdf();
}

void SearchPanel::rebuildCdf()
{
    m_cdf->clearGraphs();
    m_cdfGraphs.clear();
    if (!m_space)
        return;
    const SpaceOptResult& s = *m_space;
    double width = m_filterWidth;
    if (width < 0)
        width = s.recommended >= 0 ? s.pairs[size_t(s.recommended)].width : 0;
    std::vector<int> resolutions;
    for (const SpacePair& p : s.pairs)
        if (std::find(resolutions.begin(), resolutions.end(), p.resolution) == resolutions.end())
            resolutions.push_back(p.resolution);
    std::sort(resolutions.begin(), resolutions.end());

    auto addCurve = [&](int i, const QPen& pen, const QString& name) {
        const SpacePair& p = s.pairs[size_t(i)];
        QCPGraph* g = m_cdf->addGraph();
        g->setPen(pen);
        g->setLineStyle(QCPGraph::lsStepLeft);
        g->setName(name);
        QVector<double> x, y;
        x.reserve(p.fitting + 1);
        y.reserve(p.fitting + 1);
        x << double(p.fittingMacs.front()) / 1e6;
        y << 0.0;
        for (int k = 0; k < p.fitting; ++k) {
            x << double(p.fittingMacs[size_t(k)]) / 1e6;
            y << double(k + 1) / p.fitting;
        }
        g->setData(x, y, true);
        m_cdfGraphs.push_back({g, i});
        return g;
    };
    const bool all = width == 0;
    int hiddenEmpty = 0;
    for (int i = 0; i < int(s.pairs.size()); ++i) {
        const SpacePair& p = s.pairs[size_t(i)];
        if (i == s.recommended || (!all && p.width != width))
            continue;
        if (p.fitting == 0) {
            ++hiddenEmpty;
            continue;
        }
        const int ri = int(std::find(resolutions.begin(), resolutions.end(), p.resolution) - resolutions.begin());
        QColor c = resolutionColor(ri, int(resolutions.size()));
        if (all)
            c.setAlpha(150);
        addCurve(i, QPen(c, all ? 1.0 : 1.6), all ? pairText(p.width, p.resolution) : QStringLiteral("%1\u00d7%1").arg(p.resolution));
    }
    if (s.recommended >= 0) {
        const SpacePair& p = s.pairs[size_t(s.recommended)];
        // Added last, so drawn on top of the others.
        addCurve(s.recommended, QPen(QColor(20, 20, 20), 3.2),
                 tr("%1 (recommended)").arg(all ? pairText(p.width, p.resolution)
                                                : QStringLiteral("%1\u00d7%1").arg(p.resolution)));
    }
    // Every resolution of one width fits a legend; 96 curves do not (hover names them instead).
    m_cdf->legend->setVisible(!all && !m_cdfGraphs.empty());
    m_cdf->rescaleAxes(true);
    const QCPRange xr = m_cdf->xAxis->range();
    m_cdf->xAxis->setRange(std::max(0.0, xr.lower - 0.03 * xr.size()), xr.upper + 0.03 * xr.size());
    m_cdf->yAxis->setRange(0, 1.02);
    m_cdf->plotLayout()->setColumnStretchFactor(1, 0.001);
    QString title = all ? tr("all widths: %1 curves (hover to name one)").arg(m_cdfGraphs.size())
                        : tr("width %1, one curve per resolution").arg(widthText(width));
    if (hiddenEmpty)
        title += tr("; %1 pairs with no fitting candidate have no curve").arg(hiddenEmpty);
    m_cdf->setToolTip(title);
    m_cdf->replot();
}

void SearchPanel::cdfHover(QMouseEvent* e)
{
    if (!m_space || m_cdfGraphs.empty())
        return;
    double best = 8; // pixels
    int pair = -1;
    for (const auto& [g, i] : m_cdfGraphs) {
        const double d = g->selectTest(e->position(), false);
        if (d >= 0 && d < best) {
            best = d;
            pair = i;
        }
    }
    if (pair < 0) {
        QToolTip::hideText();
        return;
    }
    const SpacePair& p = m_space->pairs[size_t(pair)];
    QToolTip::showText(e->globalPosition().toPoint(),
                       tr("%1%2\n%3 of %4 sampled fit (%5 %), mean %6 M MACs, median %7 M")
                           .arg(pairText(p.width, p.resolution), pair == m_space->recommended ? tr(" — recommended") : QString())
                           .arg(p.fitting)
                           .arg(p.samples)
                           .arg(100.0 * p.fitFraction(), 0, 'f', 1)
                           .arg(mega(p.meanMacs), mega(double(p.fittingMacs[size_t(p.fitting / 2)]))),
                       m_cdf);
}

} // namespace ts
