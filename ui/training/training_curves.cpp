// SPDX-License-Identifier: MIT
#include "ui/training/training_curves.h"

#include <qcustomplot.h>

#include <QFile>
#include <QFileInfo>
#include <QPainter>
#include <QPdfWriter>
#include <QTextStream>
#include <QToolTip>
#include <QVBoxLayout>

#include <cmath>

namespace cxr::ui {

namespace {

QCustomPlot *makePlot(const QString &yLabel)
{
    auto *plot = new QCustomPlot;
    plot->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
    plot->axisRect()->setRangeDrag(Qt::Horizontal | Qt::Vertical);
    plot->axisRect()->setRangeZoom(Qt::Horizontal);
    plot->yAxis->setLabel(yLabel);
    plot->legend->setVisible(true);
    plot->legend->setFont(QFont(plot->font().family(), 8));
    plot->axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignTop | Qt::AlignRight);
    plot->legend->setBrush(QColor(255, 255, 255, 190)); // curves stay visible under it
    plot->setMinimumHeight(120);
    // Painting without antialiasing keeps a 10,000-point redraw within a few milliseconds.
    plot->setNotAntialiasedElements(QCP::aePlottables);
    return plot;
}

QCPGraph *addGraph(QCustomPlot *plot, const QString &name, const QColor &colour, bool points)
{
    QCPGraph *graph = plot->addGraph();
    graph->setName(name);
    // Lines of many points get a 1-pixel pen: a fractional width sends every segment through
    // Qt's stroker, which took 40 ms for 10,000 steps (5 s with antialiasing).
    graph->setPen(QPen(colour, points ? 1.5 : 1.0));
    if (points) {
        graph->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, 5));
    }
    return graph;
}

} // namespace

TrainingCurves::TrainingCurves(QWidget *parent)
    : QWidget(parent), m_lossPlot(makePlot(tr("loss"))), m_metricPlot(makePlot(tr("validation"))),
      m_ratePlot(makePlot(tr("learning rate")))
{
    m_trainRaw = addGraph(m_lossPlot, tr("train (each step)"), QColor(190, 200, 215), false);
    m_trainSmooth = addGraph(m_lossPlot, tr("train (smoothed)"), QColor(31, 119, 180), false);
    m_valLoss = addGraph(m_lossPlot, tr("validation"), QColor(230, 120, 20), true);
    m_valAccuracy = addGraph(m_metricPlot, tr("val accuracy"), QColor(44, 160, 44), true);
    m_valAuc = addGraph(m_metricPlot, tr("val AUC"), QColor(148, 103, 189), true);
    m_trainAccuracy = addGraph(m_metricPlot, tr("train accuracy"), QColor(170, 210, 170), true);
    m_rate = addGraph(m_ratePlot, tr("learning rate"), QColor(90, 90, 90), false);
    m_ratePlot->legend->setVisible(false);
    m_ratePlot->yAxis->setScaleType(QCPAxis::stLogarithmic);
    m_ratePlot->yAxis->setTicker(QSharedPointer<QCPAxisTickerLog>(new QCPAxisTickerLog));
    m_ratePlot->yAxis->setNumberFormat(QStringLiteral("eb"));
    m_ratePlot->yAxis->setNumberPrecision(0);
    m_metricPlot->yAxis->setRange(0, 1.02);
    m_ratePlot->xAxis->setLabel(tr("step"));

    // One step axis: panning or zooming one plot moves the others.
    for (QCustomPlot *plot : {m_lossPlot, m_metricPlot, m_ratePlot}) {
        for (QCustomPlot *other : {m_lossPlot, m_metricPlot, m_ratePlot}) {
            if (other != plot) {
                connect(plot->xAxis, qOverload<const QCPRange &>(&QCPAxis::rangeChanged),
                        other->xAxis, qOverload<const QCPRange &>(&QCPAxis::setRange));
            }
        }
        connect(plot, &QCustomPlot::mouseMove, this, &TrainingCurves::showValueAt);
        connect(plot, &QCustomPlot::mouseDoubleClick, this, [this](QMouseEvent *) {
            m_dirty = true;
            redraw(); // double-click: back to the whole run
        });
    }
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_lossPlot, 3);
    layout->addWidget(m_metricPlot, 2);
    layout->addWidget(m_ratePlot, 1);

    m_replotTimer.setInterval(100);
    connect(&m_replotTimer, &QTimer::timeout, this, [this] {
        if (m_dirty) {
            redraw();
            Q_EMIT replotted();
        }
    });
    m_replotTimer.start();
}

void TrainingCurves::clear()
{
    for (QCPGraph *graph :
         {m_trainRaw, m_trainSmooth, m_valLoss, m_valAccuracy, m_valAuc, m_trainAccuracy, m_rate}) {
        graph->data()->clear();
    }
    for (QCPGraph *overlay : m_overlays) {
        m_lossPlot->removeGraph(overlay);
    }
    m_overlays.clear();
    m_steps.clear();
    m_epochs.clear();
    m_smoothedLoss = SmoothedSeries(m_smoothing);
    markDirty();
}

void TrainingCurves::appendStep(std::int64_t step, double loss, double learningRate)
{
    if (!std::isfinite(loss)) {
        return;
    }
    m_steps.push_back({step, 0, loss, learningRate, 0});
    m_trainRaw->addData(double(step), loss);
    m_trainSmooth->addData(double(step), m_smoothedLoss.add(loss));
    m_rate->addData(double(step), learningRate);
    markDirty();
}

void TrainingCurves::appendEpoch(const ml::EpochMetrics &m, std::int64_t endStep)
{
    m_epochs.push_back({m, endStep});
    m_valLoss->addData(double(endStep), m.valLoss);
    m_valAccuracy->addData(double(endStep), m.valAccuracy);
    if (std::isfinite(m.valAuc)) {
        m_valAuc->addData(double(endStep), m.valAuc);
    }
    m_trainAccuracy->addData(double(endStep), m.trainAccuracy);
    rebuildMarkers();
    markDirty();
}

std::vector<std::int64_t> TrainingCurves::epochEndSteps(const ml::RunInfo &run,
                                                        const std::vector<ml::StepRecord> &steps)
{
    // The last logged step of each epoch; a run without a step log spreads its epochs evenly.
    std::vector<std::int64_t> ends(run.epochs.size(), 0);
    for (const ml::StepRecord &r : steps) {
        if (r.epoch >= 1 && std::size_t(r.epoch) <= ends.size()) {
            ends[std::size_t(r.epoch - 1)] = std::max(ends[std::size_t(r.epoch - 1)], r.step);
        }
    }
    // Epochs without a logged step (a coarse log): spread at the logged steps' pace.
    double stepsPerEpoch = 1;
    if (!steps.empty() && steps.back().epoch > 0) {
        stepsPerEpoch = double(steps.back().step) / double(steps.back().epoch);
    }
    for (std::size_t e = 0; e < ends.size(); ++e) {
        if (ends[e] == 0) {
            ends[e] = std::int64_t(std::llround(double(e + 1) * stepsPerEpoch));
        }
    }
    return ends;
}

void TrainingCurves::showRun(const ml::RunInfo &run, const std::vector<ml::StepRecord> &steps)
{
    clear();
    for (const ml::StepRecord &r : steps) {
        appendStep(r.step, r.loss, r.learningRate);
    }
    const std::vector<std::int64_t> ends = epochEndSteps(run, steps);
    for (std::size_t e = 0; e < run.epochs.size(); ++e) {
        appendEpoch(run.epochs[e], ends[e]);
    }
    redraw();
}

void TrainingCurves::addOverlay(const QString &name, const ml::RunInfo &run,
                                const std::vector<ml::StepRecord> &steps, const QColor &colour)
{
    QCPGraph *validation = addGraph(m_lossPlot, name + tr(" validation"), colour, true);
    const std::vector<std::int64_t> ends = epochEndSteps(run, steps);
    for (std::size_t e = 0; e < run.epochs.size(); ++e) {
        validation->addData(double(ends[e]), run.epochs[e].valLoss);
    }
    QCPGraph *train = addGraph(m_lossPlot, name + tr(" train"), colour.lighter(150), false);
    SmoothedSeries smoothed(m_smoothing);
    for (const ml::StepRecord &r : steps) {
        train->addData(double(r.step), smoothed.add(r.loss));
    }
    m_overlays.push_back(validation);
    m_overlays.push_back(train);
    markDirty();
}

void TrainingCurves::setLogScale(bool logarithmic)
{
    m_logScale = logarithmic;
    m_lossPlot->yAxis->setScaleType(logarithmic ? QCPAxis::stLogarithmic : QCPAxis::stLinear);
    if (logarithmic) {
        m_lossPlot->yAxis->setTicker(QSharedPointer<QCPAxisTickerLog>(new QCPAxisTickerLog));
    } else {
        m_lossPlot->yAxis->setTicker(QSharedPointer<QCPAxisTicker>(new QCPAxisTicker));
    }
    markDirty();
}

void TrainingCurves::setSmoothing(double weight)
{
    m_smoothing = std::clamp(weight, 0.0, 0.99);
    m_trainSmooth->data()->clear();
    m_smoothedLoss = SmoothedSeries(m_smoothing);
    for (const ml::StepRecord &r : m_steps) {
        m_trainSmooth->addData(double(r.step), m_smoothedLoss.add(r.loss));
    }
    markDirty();
}

void TrainingCurves::markDirty()
{
    m_dirty = true;
}

void TrainingCurves::rebuildMarkers()
{
    for (QCPItemStraightLine *marker : m_markers) {
        m_lossPlot->removeItem(marker);
    }
    m_markers.clear();
    auto addMarker = [this](double step, const QPen &pen) {
        auto *line = new QCPItemStraightLine(m_lossPlot);
        line->point1->setCoords(step, 0);
        line->point2->setCoords(step, 1);
        line->setPen(pen);
        m_markers.push_back(line);
    };
    std::size_t best = 0;
    for (std::size_t e = 0; e < m_epochs.size(); ++e) {
        if (m_epochs[e].metrics.valLoss < m_epochs[best].metrics.valLoss) {
            best = e;
        }
        if (e > 0 &&
            m_epochs[e].metrics.learningRate < m_epochs[e - 1].metrics.learningRate * 0.99) {
            addMarker(double(m_epochs[e - 1].endStep),
                      QPen(QColor(120, 120, 120), 1, Qt::DashLine));
        }
    }
    if (!m_epochs.empty()) {
        addMarker(double(m_epochs[best].endStep), QPen(QColor(44, 160, 44), 1.5));
    }
}

void TrainingCurves::redraw()
{
    m_dirty = false;
    for (QCustomPlot *plot : {m_lossPlot, m_metricPlot, m_ratePlot}) {
        plot->xAxis->rescale();
    }
    bool found = false;
    QCPRange lossRange = m_trainRaw->getValueRange(found, QCP::sdBoth);
    std::vector<QCPGraph *> others = m_overlays;
    others.push_back(m_valLoss);
    for (QCPGraph *graph : others) {
        bool foundHere = false;
        const QCPRange range = graph->getValueRange(foundHere, QCP::sdBoth);
        if (foundHere) {
            lossRange = found ? QCPRange(std::min(lossRange.lower, range.lower),
                                         std::max(lossRange.upper, range.upper))
                              : range;
            found = true;
        }
    }
    if (found) {
        const double lower = m_logScale ? std::max(lossRange.lower * 0.8, 1e-4) : 0;
        m_lossPlot->yAxis->setRange(lower, lossRange.upper * 1.05 + 1e-6);
    }
    // A decade either side, so the logarithmic axis labels powers of ten only.
    bool foundRate = false;
    const QCPRange rates = m_rate->getValueRange(foundRate, QCP::sdPositive);
    if (foundRate) {
        m_ratePlot->yAxis->setRange(rates.lower / 10, rates.upper * 10);
    }
    m_lossPlot->replot();
    m_metricPlot->replot();
    m_ratePlot->replot();
}

double TrainingCurves::replotNow()
{
    redraw();
    return m_lossPlot->replotTime();
}

void TrainingCurves::showValueAt(QMouseEvent *event)
{
    auto *plot = qobject_cast<QCustomPlot *>(sender());
    if (!plot || m_steps.empty()) {
        return;
    }
    const double step = plot->xAxis->pixelToCoord(event->pos().x());
    auto nearest =
        std::lower_bound(m_steps.begin(), m_steps.end(), step,
                         [](const ml::StepRecord &r, double x) { return double(r.step) < x; });
    if (nearest == m_steps.end()) {
        --nearest;
    }
    QString text = tr("step %1: train loss %2, learning rate %3")
                       .arg(nearest->step)
                       .arg(nearest->loss, 0, 'f', 4)
                       .arg(nearest->learningRate, 0, 'g', 3);
    for (const EpochPoint &point : m_epochs) {
        if (point.endStep >= nearest->step) {
            text += tr("\nepoch %1: val loss %2, val accuracy %3, val AUC %4")
                        .arg(point.metrics.epoch)
                        .arg(point.metrics.valLoss, 0, 'f', 4)
                        .arg(point.metrics.valAccuracy, 0, 'f', 3)
                        .arg(point.metrics.valAuc, 0, 'f', 3);
            break;
        }
    }
    QToolTip::showText(event->globalPosition().toPoint(), text, plot);
}

bool TrainingCurves::exportImage(const QString &file)
{
    // One page or image of the three stacked plots, as on screen.
    if (QFileInfo(file).suffix().compare(QStringLiteral("pdf"), Qt::CaseInsensitive) == 0) {
        QPdfWriter writer(file);
        writer.setResolution(96);
        writer.setPageMargins(QMarginsF(0, 0, 0, 0));
        writer.setPageSize(
            QPageSize(QSizeF(width() * 72.0 / 96.0, height() * 72.0 / 96.0), QPageSize::Point));
        QPainter painter;
        if (!painter.begin(&writer)) {
            return false;
        }
        render(&painter);
        return painter.end();
    }
    return grab().save(file);
}

bool TrainingCurves::exportCsv(const QString &file) const
{
    QFile out(file + QStringLiteral(".partial"));
    if (!out.open(QIODevice::WriteOnly | QIODevice::Text)) {
        return false;
    }
    QTextStream csv(&out);
    csv << "kind,step,epoch,train_loss,learning_rate,val_loss,val_accuracy,val_auc,train_"
           "accuracy\n";
    for (const ml::StepRecord &r : m_steps) {
        csv << "step," << r.step << ",," << r.loss << ',' << r.learningRate << ",,,,\n";
    }
    for (const EpochPoint &p : m_epochs) {
        const ml::EpochMetrics &m = p.metrics;
        csv << "epoch," << p.endStep << ',' << m.epoch << ',' << m.trainLoss << ','
            << m.learningRate << ',' << m.valLoss << ',' << m.valAccuracy << ',' << m.valAuc << ','
            << m.trainAccuracy << '\n';
    }
    csv.flush();
    out.close();
    QFile::remove(file);
    return out.error() == QFile::NoError && QFile::rename(file + QStringLiteral(".partial"), file);
}

} // namespace cxr::ui
