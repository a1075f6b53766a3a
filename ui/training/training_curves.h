// SPDX-License-Identifier: MIT
#pragma once

#include "core/ml/run_folder.h"

#include <QColor>
#include <QTimer>
#include <QWidget>

#include <cstdint>
#include <vector>

class QCPGraph;
class QCPItemStraightLine;
class QCheckBox;
class QCustomPlot;
class QMouseEvent;

namespace cxr::ui {

// Live curves of a training run, stacked on one step axis: loss (each step's training loss,
// its exponential moving average and the validation loss per epoch), validation accuracy and
// AUC per epoch, and the learning rate. Dashed lines mark where the rate dropped, a green one
// the best epoch (lowest validation loss, whose weights are saved). Points are appended as
// they come and drawn by a timer, at most ten times a second. Drag to pan, wheel to zoom,
// hover to read values. Other runs can be overlaid for comparison.
class TrainingCurves : public QWidget {
    Q_OBJECT
public:
    explicit TrainingCurves(QWidget *parent = nullptr);

    void clear();
    void appendStep(std::int64_t step, double loss, double learningRate);
    // endStep: the last step of the epoch, where its point is drawn.
    void appendEpoch(const ml::EpochMetrics &metrics, std::int64_t endStep);
    // Shows a finished or interrupted run from its folder's records.
    void showRun(const ml::RunInfo &run, const std::vector<ml::StepRecord> &steps);
    // Adds another run's validation and smoothed training loss in colour, for comparison.
    void addOverlay(const QString &name, const ml::RunInfo &run,
                    const std::vector<ml::StepRecord> &steps, const QColor &colour);

    void setLogScale(bool logarithmic);
    bool logScale() const { return m_logScale; }
    void setSmoothing(double weight); // 0: none, up to 0.99

    // PNG or PDF by the file's suffix, all three plots; CSV of every series.
    bool exportImage(const QString &file);
    bool exportCsv(const QString &file) const;

    int stepPointCount() const { return int(m_steps.size()); }
    int epochPointCount() const { return int(m_epochs.size()); }
    QCustomPlot *lossPlot() const { return m_lossPlot; }
    // Replots now, bypassing the timer; returns the loss plot's drawing time in ms.
    double replotNow();

Q_SIGNALS:
    // After each timed redraw that had new points.
    void replotted();

private:
    struct EpochPoint {
        ml::EpochMetrics metrics;
        std::int64_t endStep = 0;
    };
    // Exponential moving average with TensorBoard's bias correction: early points are not
    // dragged towards zero. A weight of 0 returns each value as it is.
    class SmoothedSeries {
    public:
        explicit SmoothedSeries(double weight) : m_weight(weight) {}
        double add(double value)
        {
            m_average = m_weight * m_average + (1 - m_weight) * value;
            m_correction *= m_weight;
            return m_average / (1 - m_correction);
        }

    private:
        double m_weight;
        double m_average = 0;
        double m_correction = 1;
    };
    void markDirty();
    void redraw();
    void rebuildMarkers();
    void showValueAt(QMouseEvent *event);
    static std::vector<std::int64_t> epochEndSteps(const ml::RunInfo &run,
                                                   const std::vector<ml::StepRecord> &steps);

    QCustomPlot *m_lossPlot;
    QCustomPlot *m_metricPlot;
    QCustomPlot *m_ratePlot;
    QCPGraph *m_trainRaw;
    QCPGraph *m_trainSmooth;
    QCPGraph *m_valLoss;
    QCPGraph *m_valAccuracy;
    QCPGraph *m_valAuc;
    QCPGraph *m_trainAccuracy;
    QCPGraph *m_rate;
    std::vector<QCPItemStraightLine *> m_markers;
    std::vector<QCPGraph *> m_overlays;
    std::vector<ml::StepRecord> m_steps;
    std::vector<EpochPoint> m_epochs;
    double m_smoothing = 0.9;
    SmoothedSeries m_smoothedLoss{m_smoothing}; // of the live run's training loss
    bool m_logScale = false;
    bool m_dirty = false;
    QTimer m_replotTimer;
};

} // namespace cxr::ui
