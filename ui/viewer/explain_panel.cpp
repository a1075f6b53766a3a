// SPDX-License-Identifier: MIT
#include "ui/viewer/explain_panel.h"

#include "core/imaging/file_sniffer.h"
#include "core/imaging/model_input.h"
#include "core/ml/run_folder.h"
#include "core/pipeline/input_spec.h"
#include "ui/viewer/overlay_controls.h"
#include "ui/viewer/review_box.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QSettings>
#include <QVBoxLayout>

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

namespace cxr::ui {

namespace {

const QString kModelKey = QStringLiteral("viewer/model");

// CHW 8-bit levels (grey, or RGB) as a displayable picture (grey, or BGR).
cv::Mat modelInputPicture(const std::vector<std::uint8_t> &levels, int channels, int size)
{
    if (levels.size() != std::size_t(channels) * size * size) {
        return {};
    }
    auto *data = const_cast<std::uint8_t *>(levels.data());
    if (channels == 1) {
        return cv::Mat(size, size, CV_8UC1, data).clone();
    }
    std::vector<cv::Mat> planes;
    for (int c = 2; c >= 0; --c) { // RGB planes to BGR
        planes.emplace_back(size, size, CV_8UC1, data + std::size_t(c) * size * size);
    }
    cv::Mat bgr;
    cv::merge(planes, bgr);
    return bgr;
}

// The levels the model's first layer sees: equalised for a model that equalises its input, so
// that the heatmap is laid over the picture the network looked at.
std::vector<std::uint8_t> layerInput(const pipeline::ImagePrediction &prediction,
                                     const ml::ModelCard &card)
{
    return ml::equalisesGreyLevels(card.spec)
               ? imaging::equalisedLevels(prediction.modelInput, card.spec.channels)
               : prediction.modelInput;
}

} // namespace

ExplainPanel::ExplainPanel(QWidget *parent)
    : QWidget(parent), m_model(new QComboBox), m_chooseModel(new QPushButton(tr("Choose…"))),
      m_tta(new QCheckBox(tr("Test-time augmentation"))), m_modelInfo(new QLabel),
      m_oodBanner(new QLabel), m_predictionLabel(new QLabel), m_status(new QLabel),
      m_method(new QComboBox), m_target(new QComboBox), m_layer(new QComboBox),
      m_overlay(new OverlayControls),
      m_faithfulnessButton(new QPushButton(tr("Measure faithfulness"))),
      m_faithfulnessLabel(new QLabel), m_review(new ReviewBox),
      m_batch(new QPushButton(tr("Batch: predict and explain a folder…"))),
      m_sendToPacs(new QPushButton(tr("Send result to PACS…"))), m_sendStatus(new QLabel)
{
    setUpWidgets();
    layOut();
    connectControls();
    const QString remembered = QSettings().value(kModelKey).toString();
    if (!remembered.isEmpty() && ml::findModelDir(remembered.toStdString())) {
        setModel(remembered);
    } else {
        m_predictionLabel->setText(tr("Choose a model to see its prediction."));
    }
}

// The prediction in large type, the out-of-distribution banner as prominent, and each
// control's choices and tooltip.
void ExplainPanel::setUpWidgets()
{
    m_model->setPlaceholderText(tr("No model chosen"));
    // Run names are long: the list shrinks with the panel rather than widening it.
    m_model->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Fixed);
    m_modelInfo->setObjectName(QStringLiteral("modelInfo"));
    m_modelInfo->setWordWrap(true);
    m_predictionLabel->setWordWrap(true);
    QFont big = m_predictionLabel->font();
    big.setPointSizeF(big.pointSizeF() * 1.25);
    big.setBold(true);
    m_predictionLabel->setFont(big);
    m_predictionLabel->setTextInteractionFlags(Qt::TextSelectableByMouse);
    // As prominent as the prediction it qualifies: the same type, on a warning colour.
    m_oodBanner->setObjectName(QStringLiteral("oodBanner"));
    m_oodBanner->setWordWrap(true);
    m_oodBanner->setFont(big);
    m_oodBanner->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_oodBanner->setStyleSheet(
        QStringLiteral("QLabel { background: #b34700; color: white; padding: 6px; }"));
    m_oodBanner->hide();
    m_status->setWordWrap(true);
    m_tta->setToolTip(tr("Average the prediction over the image, its mirror image and a 90% crop "
                         "(three passes, about three times the time); the map is the mean of the "
                         "image's and its mirror image's"));
    m_method->addItems({tr("Grad-CAM"), tr("Grad-CAM++"), tr("Eigen-CAM (no class)")});
    m_method->setToolTip(tr("Eigen-CAM needs no gradient: it shows the layer's dominant activation "
                            "pattern, the same whatever the class"));
    m_target->addItem(tr("Predicted class"), -1);
    m_target->setToolTip(
        tr("The class the map explains. For a binary model the negative class is "
           "explained by the negative logit: evidence against the positive class."));
    m_layer->setToolTip(tr("The layer whose activations are weighted; the last block is the "
                           "coarsest and most class-specific"));
    m_faithfulnessLabel->setWordWrap(true);
    m_faithfulnessButton->setToolTip(tr("The probability of the explained class with the map's "
                                        "top 20% replaced by the image's mean, and with only that "
                                        "region kept"));
}

void ExplainPanel::layOut()
{
    auto *modelRow = new QHBoxLayout;
    modelRow->addWidget(m_model, 1);
    modelRow->addWidget(m_chooseModel);
    auto *explainForm = new QFormLayout;
    explainForm->addRow(tr("Method"), m_method);
    explainForm->addRow(tr("Explain"), m_target);
    explainForm->addRow(tr("Layer"), m_layer);
    auto *mapBox = new QGroupBox(tr("Map"));
    auto *mapLayout = new QVBoxLayout(mapBox);
    mapLayout->addLayout(explainForm);
    mapLayout->addWidget(m_overlay);
    mapLayout->addWidget(m_faithfulnessButton);
    mapLayout->addWidget(m_faithfulnessLabel);

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(new QLabel(tr("Model")));
    layout->addLayout(modelRow);
    layout->addWidget(m_modelInfo);
    layout->addWidget(m_tta);
    layout->addWidget(m_oodBanner);
    layout->addWidget(m_predictionLabel);
    layout->addWidget(m_status);
    layout->addWidget(mapBox);
    layout->addWidget(m_review);
    layout->addWidget(m_batch);
    layout->addWidget(m_sendToPacs);
    layout->addWidget(m_sendStatus);
    m_sendStatus->setWordWrap(true);
    m_sendToPacs->setEnabled(false);
    m_sendToPacs->setToolTip(tr("Store the prediction of this DICOM image, as a structured report "
                                "and the overlay, in its study on a PACS (research use only)"));
}

void ExplainPanel::connectControls()
{
    connect(&m_worker, &ExplainWorker::finished, this, &ExplainPanel::onOutcome);
    connect(m_model, &QComboBox::activated, this,
            [this](int index) { setModel(m_model->itemData(index).toString()); });
    connect(m_chooseModel, &QPushButton::clicked, this, &ExplainPanel::chooseModelFolder);
    connect(m_tta, &QCheckBox::toggled, this, [this] { request(); });
    connect(m_method, &QComboBox::activated, this, [this] { request(); });
    connect(m_target, &QComboBox::activated, this, [this] { request(); });
    connect(m_layer, &QComboBox::activated, this, [this] { request(); });
    connect(m_faithfulnessButton, &QPushButton::clicked, this, &ExplainPanel::measureFaithfulness);
    connect(m_overlay, &OverlayControls::changed, this, &ExplainPanel::displayChanged);
    connect(m_batch, &QPushButton::clicked, this, &ExplainPanel::batchRequested);
    connect(m_sendToPacs, &QPushButton::clicked, this, &ExplainPanel::sendToPacsRequested);
    connect(m_review, &ReviewBox::cardChanged, this, [this] { request(); }); // reload the card
}

void ExplainPanel::setRunsFolder(const QString &folder)
{
    m_runsFolder = folder;
    m_model->clear();
    for (const ml::RunInfo &run : ml::listRuns(folder.toStdString())) {
        if (!ml::findModelDir(run.folder)) {
            continue; // no model yet (the first epoch has not finished)
        }
        const QString path = QString::fromStdString(run.folder.string());
        m_model->addItem(tr("%1 (%2)").arg(QFileInfo(path).fileName(),
                                           QString::fromStdString(run.settings.model.architecture)),
                         path);
    }
    if (!m_modelPath.isEmpty()) {
        const int index = m_model->findData(m_modelPath);
        if (index < 0) {
            m_model->addItem(QFileInfo(m_modelPath).fileName(), m_modelPath);
        }
        m_model->setCurrentIndex(m_model->findData(m_modelPath));
    }
}

void ExplainPanel::chooseModelFolder()
{
    const QString folder = QFileDialog::getExistingDirectory(
        this, tr("Run or model folder"), m_modelPath.isEmpty() ? m_runsFolder : m_modelPath);
    if (!folder.isEmpty()) {
        setModel(folder);
    }
}

void ExplainPanel::setModel(const QString &runOrModelFolder)
{
    if (runOrModelFolder == m_modelPath && m_card) {
        return;
    }
    m_modelPath = runOrModelFolder;
    m_card.reset();
    m_prediction.reset();
    m_faithfulness.reset();
    if (m_model->findData(m_modelPath) < 0) {
        m_model->addItem(QFileInfo(m_modelPath).fileName(), m_modelPath);
    }
    m_model->setCurrentIndex(m_model->findData(m_modelPath));
    QSettings().setValue(kModelKey, m_modelPath);
    m_layer->clear();
    request();
}

void ExplainPanel::setImage(const QString &path)
{
    m_imagePath = path;
    m_prediction.reset();
    m_faithfulness.reset();
    m_modelInput.release();
    request();
}

void ExplainPanel::setMethod(ml::CamMethod method)
{
    m_method->setCurrentIndex(int(method));
    request();
}

void ExplainPanel::setTargetClass(int target)
{
    const int index = m_target->findData(target);
    m_target->setCurrentIndex(index < 0 ? 0 : index);
    request();
}

void ExplainPanel::setLayer(const QString &name)
{
    const int index = m_layer->findText(name);
    m_layer->setCurrentIndex(index < 0 ? m_layer->count() - 1 : index);
    request();
}

QStringList ExplainPanel::layers() const
{
    QStringList names;
    for (int i = 0; i < m_layer->count(); ++i) {
        names << m_layer->itemText(i);
    }
    return names;
}

ml::CamRequest ExplainPanel::camRequest() const
{
    ml::CamRequest r;
    r.method = ml::CamMethod(m_method->currentIndex());
    r.targetClass = m_target->currentData().toInt();
    r.layerName = m_layer->currentText().toStdString();
    return r;
}

void ExplainPanel::measureFaithfulness()
{
    request(true);
}

void ExplainPanel::setTestTimeAugmentation(bool on)
{
    m_tta->setChecked(on);
}

bool ExplainPanel::testTimeAugmentation() const
{
    return m_tta->isChecked();
}

void ExplainPanel::request(bool faithfulness)
{
    if (m_modelPath.isEmpty()) {
        return;
    }
    ExplainWorker::Request r;
    r.model = m_modelPath;
    r.image = m_imagePath;
    r.cam = camRequest();
    r.faithfulness = faithfulness;
    r.tta = m_tta->isChecked();
    m_target->setEnabled(r.cam.method != ml::CamMethod::EigenCam);
    m_status->setText(m_imagePath.isEmpty() ? tr("Loading the model…")
                                            : tr("Predicting and explaining…"));
    m_worker.submit(r);
}

void ExplainPanel::showCard(const ml::ModelCard &card)
{
    const ml::ModelSpec &s = card.spec;
    QStringList classes;
    for (const std::string &name : s.classNames) {
        classes << QString::fromStdString(name);
    }
    const QString levels =
        ml::equalisesGreyLevels(s) ? tr(", grey levels equalised per image") : QString();
    QString text = tr("%1<br>%2, %3 px, %4 channel(s)%5; classes %6; threshold %7")
                       .arg(QString::fromStdString(card.name).toHtmlEscaped(),
                            QString::fromStdString(s.architecture))
                       .arg(s.inputSize)
                       .arg(s.channels)
                       .arg(levels, classes.join(QStringLiteral(", ")).toHtmlEscaped())
                       .arg(s.threshold, 0, 'f', 2);
    if (!card.operatingPoint.rule.empty()) {
        text += tr(" (chosen for %1 on %2 %3 images)")
                    .arg(QString::fromStdString(card.operatingPoint.rule).toHtmlEscaped(),
                         QString::number(card.operatingPoint.images),
                         QString::fromStdString(card.operatingPoint.chosenOn).toHtmlEscaped());
    }
    text += card.calibration.fittedOn.empty()
                ? tr("<br>Probabilities not calibrated")
                : tr("<br>Probabilities calibrated on %1 %2 images (%3)")
                      .arg(card.calibration.images)
                      .arg(QString::fromStdString(card.calibration.fittedOn).toHtmlEscaped())
                      .arg(QString::fromStdString(card.calibration.describe()));
    if (card.population.stated()) {
        text += tr("<br>Trained on patients aged %1-%2 years")
                    .arg(card.population.minAgeYears)
                    .arg(card.population.maxAgeYears);
    }
    text += card.ood.method.empty()
                ? tr("<br><i>No out-of-distribution guard: retrain to add one</i>")
                : tr("<br>Out-of-distribution guard from %1 training images")
                      .arg(card.ood.referenceImages);
    if (!card.ood.method.empty() && card.ood.validationImages > 0) {
        // What the guard costs on images the model was made for: how often it cries wolf.
        text += tr("; it flags %1% of %2 validation images")
                    .arg(100.0 * card.ood.validationFlagged, 0, 'f', 1)
                    .arg(card.ood.validationImages);
    }
    text += card.approvedForUse ? tr("<br><b>Approved for use</b>")
                                : tr("<br><i>Not approved for use: research only</i>");
    m_modelInfo->setText(text);
    // Target choices follow the model's classes; keep the choice when they did not change.
    const int chosen = m_target->currentData().toInt();
    if (m_target->count() != classes.size() + 1) {
        m_target->clear();
        m_target->addItem(tr("Predicted class"), -1);
        for (int c = 0; c < classes.size(); ++c) {
            m_target->addItem(classes[c], c);
        }
        m_target->setCurrentIndex(std::max(0, m_target->findData(chosen)));
    }
}

void ExplainPanel::setSendStatus(const QString &text)
{
    m_sendStatus->setText(text);
}

void ExplainPanel::onOutcome()
{
    const ExplainWorker::Outcome &outcome = m_worker.lastOutcome();
    if (outcome.request.model != m_modelPath || outcome.request.image != m_imagePath) {
        return; // the user moved on; a newer request is on its way
    }
    m_status->setText(outcome.error.isEmpty() ? QString() : outcome.error);
    if (!outcome.layers.empty()) {
        m_card = outcome.card;
        showCard(outcome.card);
        if (m_layer->count() != int(outcome.layers.size())) {
            m_layer->clear();
            for (const std::string &name : outcome.layers) {
                m_layer->addItem(QString::fromStdString(name));
            }
            m_layer->setCurrentIndex(m_layer->count() - 1);
        }
    } else {
        m_card.reset();
        m_modelInfo->setText(QString());
    }
    m_prediction = outcome.prediction;
    m_predictionTta = outcome.request.tta;
    // Results go back as DICOM into the image's study: a DICOM image with its map.
    m_sendToPacs->setEnabled(m_prediction && m_prediction->cam && m_card &&
                             imaging::sniffFormat(m_imagePath.toStdString()) ==
                                 imaging::FileFormat::Dicom);
    m_sendStatus->clear();
    m_faithfulness = outcome.faithfulness;
    m_modelInput = m_prediction && m_card
                       ? modelInputPicture(layerInput(*m_prediction, *m_card),
                                           m_card->spec.channels, m_card->spec.inputSize)
                       : cv::Mat();
    m_predictionLabel->setText(predictionText());
    const QString outside =
        m_prediction ? QString::fromStdString(pipeline::describeOod(m_prediction->ood)) : QString();
    m_oodBanner->setText(outside);
    m_oodBanner->setVisible(!outside.isEmpty());
    m_faithfulnessLabel->setText(faithfulnessText());
    m_faithfulnessButton->setEnabled(m_prediction && m_prediction->cam &&
                                     !m_prediction->cam->flat &&
                                     m_prediction->cam->explainedClass >= 0);
    const ml::CamMap *cam = m_prediction && m_prediction->cam ? &*m_prediction->cam : nullptr;
    m_overlay->setCam(cam);
    m_review->setSubject(m_modelPath, cam ? m_imagePath : QString(),
                         cam ? QString::fromStdString(pipeline::camMethodName(cam->method))
                             : QString(),
                         cam ? QString::fromStdString(cam->layer) : QString());
    Q_EMIT displayChanged();
}

QString ExplainPanel::predictionText() const
{
    if (m_modelPath.isEmpty()) {
        return tr("Choose a model to see its prediction.");
    }
    if (!m_prediction) {
        return m_imagePath.isEmpty() ? tr("Open an image to see the prediction.") : QString();
    }
    return tr("%1<br><span style=\"font-weight:normal\">by model %2%3</span>")
        .arg(QString::fromStdString(pipeline::describePrediction(*m_prediction)).toHtmlEscaped(),
             QString::fromStdString(m_prediction->modelName).toHtmlEscaped(),
             m_predictionTta ? tr(", test-time augmented") : QString());
}

QString ExplainPanel::oodText() const
{
    return m_oodBanner->isVisibleTo(this) ? m_oodBanner->text() : QString();
}

QString ExplainPanel::faithfulnessText() const
{
    if (!m_faithfulness) {
        return QString();
    }
    const ml::Faithfulness &f = *m_faithfulness;
    return tr("Probability of the explained class %1; %2 with the top %3% of the map removed, "
              "%4 with only it kept.")
        .arg(f.original, 0, 'f', 3)
        .arg(f.regionRemoved, 0, 'f', 3)
        .arg(f.topFraction * 100, 0, 'f', 0)
        .arg(f.regionKept, 0, 'f', 3);
}

QString ExplainPanel::statusText() const
{
    return m_status->text();
}

cv::Mat ExplainPanel::compose(const cv::Mat &image) const
{
    const ml::CamMap *cam =
        m_prediction && m_prediction->cam && m_card ? &*m_prediction->cam : nullptr;
    return m_overlay->compose(image, cam, m_card ? m_card->spec : ml::ModelSpec{}, m_modelInput);
}

QString ExplainPanel::describeMapAt(QPoint pixel, cv::Size imageSize) const
{
    if (!m_prediction || !m_prediction->cam || !m_card || m_prediction->cam->values.empty()) {
        return QString();
    }
    const ml::CamMap &cam = *m_prediction->cam;
    const cv::Rect content = imaging::contentRect(imageSize.width, imageSize.height,
                                                  pipeline::inputSpecFor(m_card->spec));
    const int x = std::clamp(content.x + pixel.x() * content.width / std::max(1, imageSize.width),
                             0, cam.width - 1);
    const int y = std::clamp(content.y + pixel.y() * content.height / std::max(1, imageSize.height),
                             0, cam.height - 1);
    return tr("%1 %2")
        .arg(QString::fromStdString(pipeline::camMethodName(cam.method)))
        .arg(cam.values[std::size_t(y) * cam.width + x], 0, 'f', 2);
}

} // namespace cxr::ui
