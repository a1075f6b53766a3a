// SPDX-License-Identifier: MIT
#include "ui/training/tune_plots.h"

#include <qcustomplot.h>

#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QTabWidget>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>
#include <limits>

namespace cxr::ui {

namespace {

using tuning::ParamKind;
using tuning::ParamSpec;
using tuning::Trial;
using tuning::TrialState;

const QColor kComplete(31, 119, 180);
const QColor kPruned(160, 160, 160);
const QColor kBest(214, 39, 40);

QString objectiveLabel(tuning::Objective objective)
{
    return objective == tuning::Objective::ValAuc ? QObject::tr("Validation AUC")
                                                  : QObject::tr("Validation loss");
}

// The trial's best objective as its metric reads (the loss itself, not its negative); NaN when
// no epoch gave a finite one.
double objectiveOf(const tuning::StudyRecord &study, const Trial &trial)
{
    const double score = trial.bestScore();
    return std::isfinite(score) ? tuning::objectiveValue(study.settings.objective, score)
                                : std::numeric_limits<double>::quiet_NaN();
}

// Where value lies in spec's range, 0 to 1 (log scale for log-uniform, choices evenly spaced);
// NaN when the trial did not draw the parameter or the value is not in the range.
double position(const ParamSpec &spec, const std::string &value)
{
    const double nan = std::numeric_limits<double>::quiet_NaN();
    if (value.empty()) {
        return nan;
    }
    if (spec.kind == ParamKind::Categorical) {
        const auto found = std::find(spec.choices.begin(), spec.choices.end(), value);
        if (found == spec.choices.end()) {
            return nan;
        }
        const double count = double(spec.choices.size());
        return count > 1 ? double(found - spec.choices.begin()) / (count - 1) : 0.5;
    }
    const double x = std::strtod(value.c_str(), nullptr);
    if (spec.kind == ParamKind::LogUniform) {
        return x > 0 ? std::log(x / spec.low) / std::log(spec.high / spec.low) : nan;
    }
    return (x - spec.low) / (spec.high - spec.low);
}

QCustomPlot *makePlot(bool withLegend)
{
    auto *plot = new QCustomPlot;
    plot->setMinimumHeight(220);
    plot->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
    if (!withLegend) {
        return plot;
    }
    // The legend goes in a row above the axes: inside them it hides the points that matter
    // (the best trials sit in a corner).
    plot->plotLayout()->insertRow(0);
    plot->plotLayout()->addElement(0, 0, plot->legend);
    plot->legend->setFillOrder(QCPLayoutGrid::foColumnsFirst);
    plot->legend->setBorderPen(Qt::NoPen);
    plot->legend->setWrap(2);
    plot->plotLayout()->setRowStretchFactor(0, 0.001);
    return plot;
}

void showEmpty(QCustomPlot *plot, const QString &text)
{
    plot->clearPlottables();
    plot->clearItems();
    auto *label = new QCPItemText(plot);
    label->position->setType(QCPItemPosition::ptAxisRectRatio);
    label->position->setCoords(0.5, 0.5);
    label->setText(text);
    label->setColor(Qt::gray);
    plot->replot();
}

// Blue for the worst trial to red for the best, by rank of the objective.
QColor rankColour(double fraction)
{
    return QColor::fromHsvF(0.6 * (1 - std::clamp(fraction, 0.0, 1.0)), 0.8, 0.85);
}

} // namespace

TunePlots::TunePlots(QWidget *parent)
    : QWidget(parent), m_tabs(new QTabWidget), m_bestSoFar(makePlot(true)),
      m_parallel(makePlot(false)), m_scatter(makePlot(true)), m_parameter(new QComboBox)
{
    m_tabs->addTab(m_bestSoFar, tr("Best so far"));
    m_tabs->addTab(m_parallel, tr("Parallel coordinates"));
    auto *scatterPage = new QWidget;
    auto *scatterLayout = new QVBoxLayout(scatterPage);
    scatterLayout->setContentsMargins(0, 0, 0, 0);
    auto *pick = new QHBoxLayout;
    pick->addWidget(new QLabel(tr("Parameter")));
    pick->addWidget(m_parameter, 1);
    scatterLayout->addLayout(pick);
    scatterLayout->addWidget(m_scatter, 1);
    m_tabs->addTab(scatterPage, tr("Scatter"));
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_tabs);
    connect(m_parameter, &QComboBox::currentIndexChanged, this, &TunePlots::drawScatter);
    clear();
}

void TunePlots::clear()
{
    m_study = {};
    {
        const QSignalBlocker quiet(m_parameter);
        m_parameter->clear();
    }
    for (QCustomPlot *plot : {m_bestSoFar, m_parallel, m_scatter}) {
        showEmpty(plot, tr("No trial has finished an epoch yet"));
    }
}

void TunePlots::showStudy(const tuning::StudyRecord &study)
{
    m_study = study;
    QStringList names;
    for (const ParamSpec &spec : study.settings.space.params) {
        names << QString::fromStdString(spec.name);
    }
    QStringList listed;
    for (int i = 0; i < m_parameter->count(); ++i) {
        listed << m_parameter->itemText(i);
    }
    if (listed != names) { // a new study: keep the user's choice while the same one runs
        const QSignalBlocker quiet(m_parameter);
        m_parameter->clear();
        m_parameter->addItems(names);
    }
    drawBestSoFar();
    drawParallel();
    drawScatter();
}

void TunePlots::drawBestSoFar()
{
    QCustomPlot *plot = m_bestSoFar;
    plot->clearPlottables();
    plot->clearItems();
    const bool higherIsBetter = m_study.settings.objective == tuning::Objective::ValAuc;
    QVector<double> completeX, completeY, prunedX, prunedY, bestX, bestY;
    double best = std::numeric_limits<double>::quiet_NaN();
    for (const Trial &trial : m_study.trials) {
        const double value = objectiveOf(m_study, trial);
        if (std::isnan(value)) {
            continue;
        }
        (trial.state == TrialState::Pruned ? prunedX : completeX).push_back(trial.number);
        (trial.state == TrialState::Pruned ? prunedY : completeY).push_back(value);
        // The best so far counts complete trials: a pruned one's epochs are too few to trust.
        if (trial.state == TrialState::Complete &&
            (std::isnan(best) || (higherIsBetter ? value > best : value < best))) {
            best = value;
        }
        if (!std::isnan(best)) {
            bestX.push_back(trial.number);
            bestY.push_back(best);
        }
    }
    if (completeX.isEmpty() && prunedX.isEmpty()) {
        showEmpty(plot, tr("No trial has finished an epoch yet"));
        return;
    }
    auto addPoints = [plot](const QVector<double> &x, const QVector<double> &y, const QColor &c,
                            const QString &name) {
        QCPGraph *graph = plot->addGraph();
        graph->setData(x, y, true);
        graph->setLineStyle(QCPGraph::lsNone);
        graph->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, c, c, 7));
        graph->setName(name);
    };
    addPoints(completeX, completeY, kComplete, tr("complete"));
    addPoints(prunedX, prunedY, kPruned, tr("stopped early"));
    QCPGraph *line = plot->addGraph();
    line->setData(bestX, bestY, true);
    line->setLineStyle(QCPGraph::lsStepLeft);
    line->setPen(QPen(kBest, 2));
    line->setName(tr("best complete so far"));
    plot->xAxis->setLabel(tr("Trial"));
    plot->yAxis->setLabel(objectiveLabel(m_study.settings.objective));
    plot->legend->setVisible(true);
    plot->rescaleAxes();
    plot->xAxis->setRange(0.5, std::max<double>(m_study.trials.size(), 1) + 0.5);
    const QCPRange y = plot->yAxis->range();
    const double margin = std::max(y.size() * 0.08, 1e-4);
    plot->yAxis->setRange(y.lower - margin, y.upper + margin);
    plot->replot();
}

void TunePlots::drawParallel()
{
    QCustomPlot *plot = m_parallel;
    plot->clearPlottables();
    plot->clearItems();
    const auto &params = m_study.settings.space.params;
    const bool higherIsBetter = m_study.settings.objective == tuning::Objective::ValAuc;
    std::vector<std::pair<double, const Trial *>> ranked;
    for (const Trial &trial : m_study.trials) {
        const double value = objectiveOf(m_study, trial);
        if (!std::isnan(value)) {
            ranked.emplace_back(higherIsBetter ? value : -value, &trial);
        }
    }
    if (ranked.empty()) {
        showEmpty(plot, tr("No trial has finished an epoch yet"));
        return;
    }
    std::sort(ranked.begin(), ranked.end(),
              [](const auto &a, const auto &b) { return a.first < b.first; });
    const double low = ranked.front().first;
    const double high = ranked.back().first;
    const auto bestIndex = tuning::bestTrial(m_study);
    // Worst first, so that the best lines are drawn on top.
    for (std::size_t rank = 0; rank < ranked.size(); ++rank) {
        const Trial &trial = *ranked[rank].second;
        QVector<double> x, y;
        for (std::size_t i = 0; i < params.size(); ++i) {
            x.push_back(double(i));
            y.push_back(position(params[i], tuning::valueOf(trial.params, params[i].name)));
        }
        x.push_back(double(params.size()));
        y.push_back(high > low ? (ranked[rank].first - low) / (high - low) : 0.5);
        QCPGraph *graph = plot->addGraph();
        graph->setData(x, y, true);
        const bool isBest = bestIndex && &m_study.trials[*bestIndex] == &trial;
        QColor colour =
            isBest ? kBest
                   : rankColour(high > low ? (ranked[rank].first - low) / (high - low) : 1.0);
        if (trial.state == TrialState::Pruned && !isBest) {
            colour.setAlpha(90);
        }
        graph->setPen(QPen(colour, isBest ? 3 : 1.5,
                           trial.state == TrialState::Pruned ? Qt::DashLine : Qt::SolidLine));
        graph->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssCircle, 4));
        graph->setName(tr("trial %1").arg(trial.number));
    }
    labelParallelAxes(plot, low, high, higherIsBetter);
    plot->xAxis->setLabel(QString());
    plot->yAxis->setRange(-0.12, 1.12);
    plot->yAxis->setLabel(tr("Position in range (log for log scales)"));
    plot->replot();
}

// One axis per parameter and one for the objective, each labelled with what its ends (0 and 1)
// stand for; low and high are the objective's range, negated when lower is better.
void TunePlots::labelParallelAxes(QCustomPlot *plot, double low, double high,
                                  bool higherIsBetter) const
{
    const auto &params = m_study.settings.space.params;
    auto ticker = QSharedPointer<QCPAxisTickerText>::create();
    for (std::size_t i = 0; i < params.size(); ++i) {
        ticker->addTick(double(i), QString::fromStdString(params[i].name));
    }
    ticker->addTick(double(params.size()), m_study.settings.objective == tuning::Objective::ValAuc
                                               ? tr("val AUC")
                                               : tr("val loss"));
    plot->xAxis->setTicker(ticker);
    plot->xAxis->setTickLabelRotation(25); // names side by side overlap with five or more axes
    plot->xAxis->setRange(-0.4, double(params.size()) + 0.6);
    // Each axis's ends: what 0 and 1 stand for.
    auto endLabel = [plot](double x, double y, const QString &text) {
        auto *label = new QCPItemText(plot);
        label->position->setCoords(x, y);
        label->setPositionAlignment(Qt::AlignHCenter | (y > 0.5 ? Qt::AlignBottom : Qt::AlignTop));
        label->setText(text);
        label->setColor(Qt::darkGray);
        QFont font = label->font();
        font.setPointSizeF(font.pointSizeF() * 0.85);
        label->setFont(font);
    };
    for (std::size_t i = 0; i < params.size(); ++i) {
        const ParamSpec &spec = params[i];
        const bool categorical = spec.kind == ParamKind::Categorical;
        endLabel(double(i), 1.0,
                 categorical ? QString::fromStdString(spec.choices.back())
                             : QString::number(spec.high, 'g', 3));
        endLabel(double(i), 0.0,
                 categorical ? QString::fromStdString(spec.choices.front())
                             : QString::number(spec.low, 'g', 3));
    }
    const double shownHigh = higherIsBetter ? high : -high;
    const double shownLow = higherIsBetter ? low : -low;
    endLabel(double(params.size()), 1.0, QString::number(shownHigh, 'f', 3));
    endLabel(double(params.size()), 0.0, QString::number(shownLow, 'f', 3));
}

void TunePlots::drawScatter()
{
    QCustomPlot *plot = m_scatter;
    plot->clearPlottables();
    plot->clearItems();
    const auto &params = m_study.settings.space.params;
    const int index = m_parameter->currentIndex();
    if (index < 0 || index >= int(params.size())) {
        showEmpty(plot, tr("No trial has finished an epoch yet"));
        return;
    }
    const ParamSpec &spec = params[std::size_t(index)];
    const bool categorical = spec.kind == ParamKind::Categorical;
    QVector<double> completeX, completeY, prunedX, prunedY;
    for (const Trial &trial : m_study.trials) {
        const double value = objectiveOf(m_study, trial);
        const std::string text = tuning::valueOf(trial.params, spec.name);
        if (std::isnan(value) || text.empty()) {
            continue;
        }
        double x = std::strtod(text.c_str(), nullptr);
        if (categorical) {
            x = double(std::find(spec.choices.begin(), spec.choices.end(), text) -
                       spec.choices.begin());
        }
        (trial.state == TrialState::Pruned ? prunedX : completeX).push_back(x);
        (trial.state == TrialState::Pruned ? prunedY : completeY).push_back(value);
    }
    if (completeX.isEmpty() && prunedX.isEmpty()) {
        showEmpty(plot, tr("No trial that drew %1 has finished an epoch yet")
                            .arg(QString::fromStdString(spec.name)));
        return;
    }
    for (auto [x, y, colour, name] :
         {std::make_tuple(&completeX, &completeY, kComplete, tr("complete")),
          std::make_tuple(&prunedX, &prunedY, kPruned, tr("stopped early"))}) {
        QCPGraph *graph = plot->addGraph();
        graph->setData(*x, *y);
        graph->setLineStyle(QCPGraph::lsNone);
        graph->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, colour, colour, 8));
        graph->setName(name);
    }
    if (categorical) {
        auto ticker = QSharedPointer<QCPAxisTickerText>::create();
        for (std::size_t i = 0; i < spec.choices.size(); ++i) {
            ticker->addTick(double(i), QString::fromStdString(spec.choices[i]));
        }
        plot->xAxis->setTicker(ticker);
        plot->xAxis->setScaleType(QCPAxis::stLinear);
        plot->xAxis->setRange(-0.5, double(spec.choices.size()) - 0.5);
    } else {
        const bool logScale = spec.kind == ParamKind::LogUniform;
        plot->xAxis->setScaleType(logScale ? QCPAxis::stLogarithmic : QCPAxis::stLinear);
        if (logScale) {
            auto ticker = QSharedPointer<QCPAxisTickerLog>::create();
            ticker->setSubTickCount(8);
            ticker->setTickCount(3); // a range of one or two decades: more would crowd
            plot->xAxis->setTicker(ticker);
            plot->xAxis->setNumberFormat(QStringLiteral("g"));
            plot->xAxis->setNumberPrecision(3);
        } else {
            plot->xAxis->setTicker(QSharedPointer<QCPAxisTicker>::create());
            plot->xAxis->setNumberFormat(QStringLiteral("gb"));
            plot->xAxis->setNumberPrecision(6);
        }
        plot->xAxis->setRange(spec.low, spec.high);
    }
    plot->xAxis->setLabel(QString::fromStdString(spec.name));
    plot->yAxis->setLabel(objectiveLabel(m_study.settings.objective));
    plot->yAxis->rescale();
    const QCPRange y = plot->yAxis->range();
    const double margin = std::max(y.size() * 0.08, 1e-4);
    plot->yAxis->setRange(y.lower - margin, y.upper + margin);
    plot->legend->setVisible(true);
    plot->replot();
}

} // namespace cxr::ui
