// SPDX-License-Identifier: MIT
#pragma once

#include "core/pipeline/explain_job.h"
#include "ui/viewer/explain_worker.h"

#include <QWidget>

#include <opencv2/core/mat.hpp>

#include <optional>

class QCheckBox;
class QComboBox;
class QLabel;
class QPushButton;

namespace cxr::ui {

class OverlayControls;
class ReviewBox;

// The Viewer's model side: choose a model (a run of the runs folder, or any run or model
// folder), see its prediction for the open image with the probability, threshold and model
// name, and how it explains it (method, class, layer), with the overlay settings, the
// faithfulness of the map and the heatmap review. Prediction and maps run on a worker thread.
class ExplainPanel : public QWidget {
    Q_OBJECT
public:
    explicit ExplainPanel(QWidget *parent = nullptr);

    void setRunsFolder(const QString &folder);
    void setModel(const QString &runOrModelFolder);
    QString model() const { return m_modelPath; }
    // The image the viewer shows; predicted and explained as soon as a model is chosen.
    void setImage(const QString &path);

    // Explanation settings. target: -1 explains the predicted class, else that class.
    void setMethod(ml::CamMethod method);
    void setTargetClass(int target);
    void setLayer(const QString &name); // one of layers(); empty: the last
    QStringList layers() const;
    ml::CamRequest camRequest() const; // the method, class and layer chosen now
    // Predict from the image, its mirror image and a 90% crop (three passes), maps averaged.
    void setTestTimeAugmentation(bool on);
    bool testTimeAugmentation() const;
    void measureFaithfulness();

    bool isBusy() const { return m_worker.isBusy(); }
    const std::optional<pipeline::ImagePrediction> &prediction() const { return m_prediction; }
    const std::optional<ml::ModelCard> &card() const { return m_card; }
    QString imagePath() const { return m_imagePath; }
    // The line under "Send result to PACS": what the last send did.
    void setSendStatus(const QString &text);
    QString predictionText() const;
    // The out-of-distribution warning shown above the prediction; empty when there is none.
    QString oodText() const;
    QString faithfulnessText() const;
    QString statusText() const;
    OverlayControls *overlayControls() const { return m_overlay; }
    ReviewBox *reviewBox() const { return m_review; }

    // What the viewer shows for image (the windowed picture): the image with the map as the
    // overlay controls say, side by side, or the model's input.
    cv::Mat compose(const cv::Mat &image) const;
    // "Grad-CAM 0.82" at an image pixel of an image of imageSize; empty without a map.
    QString describeMapAt(QPoint pixel, cv::Size imageSize) const;

Q_SIGNALS:
    void displayChanged(); // redraw: a new map or other overlay settings
    void batchRequested();
    void sendToPacsRequested();

private:
    void setUpWidgets();
    void layOut();
    void connectControls();
    void chooseModelFolder();
    void request(bool faithfulness = false);
    void onOutcome();
    void showCard(const ml::ModelCard &card);

    ExplainWorker m_worker;
    QString m_runsFolder;
    QString m_modelPath;
    QString m_imagePath;
    std::optional<ml::ModelCard> m_card;
    std::optional<pipeline::ImagePrediction> m_prediction;
    std::optional<ml::Faithfulness> m_faithfulness;
    cv::Mat m_modelInput; // the prediction's input as a picture

    bool m_predictionTta = false; // the shown prediction was test-time augmented

    QComboBox *m_model;
    QPushButton *m_chooseModel;
    QCheckBox *m_tta;
    QLabel *m_modelInfo;
    QLabel *m_oodBanner; // "Outside what this model was trained on: ...", hidden when inside
    QLabel *m_predictionLabel;
    QLabel *m_status;
    QComboBox *m_method;
    QComboBox *m_target;
    QComboBox *m_layer;
    OverlayControls *m_overlay;
    QPushButton *m_faithfulnessButton;
    QLabel *m_faithfulnessLabel;
    ReviewBox *m_review;
    QPushButton *m_batch;
    QPushButton *m_sendToPacs;
    QLabel *m_sendStatus;
};

} // namespace cxr::ui
