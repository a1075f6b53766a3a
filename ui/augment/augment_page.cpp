// SPDX-License-Identifier: MIT
#include "ui/augment/augment_page.h"

#include "ui/augment/augmentation_controls.h"
#include "ui/augment/tile_grid.h"

#include <QComboBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QScrollArea>
#include <QSpinBox>
#include <QSplitter>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>

#include <climits>

namespace cxr::ui {

AugmentPage::AugmentPage(QWidget *parent)
    : QWidget(parent), m_openButton(new QPushButton(tr("Open image…"))),
      m_randomButtons(new QWidget), m_randomLayout(new QHBoxLayout(m_randomButtons)),
      m_pathLabel(new QLabel(tr("Open an image, or open a dataset and pick a random one."))),
      m_inputSize(new QSpinBox), m_channels(new QComboBox), m_sampleCount(new QSpinBox),
      m_seed(new QSpinBox), m_rerollButton(new QPushButton(tr("Re-roll"))),
      m_controls(new AugmentationControls), m_grid(new TileGrid), m_inputNote(new QLabel)
{
    m_randomLayout->setContentsMargins(0, 0, 0, 0);
    m_pathLabel->setTextInteractionFlags(Qt::TextSelectableByMouse);
    auto *sourceRow = new QHBoxLayout;
    sourceRow->addWidget(m_openButton);
    sourceRow->addWidget(m_randomButtons);
    sourceRow->addWidget(m_pathLabel, 1);

    m_inputSize->setRange(32, 1024);
    m_inputSize->setValue(224);
    m_inputSize->setSuffix(tr(" px"));
    m_inputSize->setKeyboardTracking(false);
    m_channels->setObjectName(QStringLiteral("inputChannels"));
    m_channels->addItem(tr("grey (1 channel)"), 1);
    m_channels->addItem(tr("colour (3 channels)"), 3);
    m_sampleCount->setRange(1, 63);
    m_sampleCount->setValue(15);
    m_sampleCount->setKeyboardTracking(false);
    m_seed->setRange(0, INT_MAX);
    m_seed->setValue(1);
    m_seed->setKeyboardTracking(false);
    m_rerollButton->setToolTip(tr("Next seed: new random draws with the same settings"));
    auto *settingsRow = new QHBoxLayout;
    settingsRow->addWidget(new QLabel(tr("Model input:")));
    settingsRow->addWidget(m_inputSize);
    settingsRow->addWidget(m_channels);
    settingsRow->addSpacing(12);
    settingsRow->addWidget(new QLabel(tr("Samples:")));
    settingsRow->addWidget(m_sampleCount);
    settingsRow->addWidget(new QLabel(tr("Seed:")));
    settingsRow->addWidget(m_seed);
    settingsRow->addWidget(m_rerollButton);
    settingsRow->addStretch();

    auto *scroll = new QScrollArea;
    scroll->setWidget(m_controls);
    scroll->setWidgetResizable(true);
    scroll->setMinimumWidth(320);
    scroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);

    auto *right = new QWidget;
    auto *rightLayout = new QVBoxLayout(right);
    rightLayout->setContentsMargins(0, 0, 0, 0);
    rightLayout->addWidget(m_grid, 1);
    m_inputNote->setWordWrap(true);
    rightLayout->addWidget(m_inputNote);

    auto *splitter = new QSplitter;
    splitter->addWidget(scroll);
    splitter->addWidget(right);
    splitter->setStretchFactor(1, 1);

    auto *layout = new QVBoxLayout(this);
    layout->addLayout(sourceRow);
    layout->addLayout(settingsRow);
    layout->addWidget(splitter, 1);
    m_grid->setMessage(tr("No image yet."));

    connect(m_openButton, &QPushButton::clicked, this, &AugmentPage::chooseFile);
    connect(m_rerollButton, &QPushButton::clicked, this,
            [this] { m_seed->setValue(m_seed->value() == INT_MAX ? 0 : m_seed->value() + 1); });
    connect(m_controls, &AugmentationControls::settingsChanged, this, &AugmentPage::requestRender);
    connect(m_inputSize, &QSpinBox::valueChanged, this, &AugmentPage::requestRender);
    connect(m_sampleCount, &QSpinBox::valueChanged, this, &AugmentPage::requestRender);
    connect(m_seed, &QSpinBox::valueChanged, this, &AugmentPage::requestRender);
    connect(m_channels, &QComboBox::currentIndexChanged, this, [this] {
        m_controls->setColourInput(m_channels->currentData().toInt() == 3);
        requestRender();
    });
    connect(&m_watcher, &QFutureWatcher<PreviewResult>::finished, this,
            &AugmentPage::onRenderFinished);
}

AugmentPage::~AugmentPage()
{
    m_watcher.waitForFinished(); // one render of at most 63 small images
}

void AugmentPage::setDataset(std::shared_ptr<const data::DatasetIndex> dataset)
{
    m_dataset = std::move(dataset);
    while (QLayoutItem *item = m_randomLayout->takeAt(0)) {
        delete item->widget();
        delete item;
    }
    if (!m_dataset) {
        return;
    }
    for (std::size_t label = 0; label < m_dataset->classes.size(); ++label) {
        const QString name = QString::fromStdString(m_dataset->classes[label]);
        auto *button = new QPushButton(tr("Random %1").arg(name));
        button->setToolTip(tr("A random training image of class %1").arg(name));
        connect(button, &QPushButton::clicked, this, [this, name] { openRandomImage(name); });
        m_randomLayout->addWidget(button);
    }
}

bool AugmentPage::openRandomImage(const QString &className)
{
    if (!m_dataset) {
        return false;
    }
    const auto found =
        std::find(m_dataset->classes.begin(), m_dataset->classes.end(), className.toStdString());
    if (found == m_dataset->classes.end()) {
        return false;
    }
    const int label = int(found - m_dataset->classes.begin());
    // Training images only; a dataset without splits ("all") is all training candidates.
    const std::string split = m_dataset->hasSplit("train") ? "train" : "all";
    std::vector<const data::DatasetFile *> candidates;
    for (const data::DatasetFile &file : m_dataset->files) {
        if (file.label == label && file.split == split) {
            candidates.push_back(&file);
        }
    }
    if (candidates.empty()) {
        m_pathLabel->setText(
            tr("No %1 image in the %2 split.").arg(className, QString::fromStdString(split)));
        return false;
    }
    std::uniform_int_distribution<std::size_t> pick(0, candidates.size() - 1);
    openImage(QString::fromStdString(candidates[pick(m_picker)]->path.string()));
    return true;
}

void AugmentPage::openImage(const QString &path)
{
    m_path = path;
    m_pathLabel->setText(path);
    requestRender();
}

void AugmentPage::setSeed(int seed)
{
    m_seed->setValue(seed);
}

void AugmentPage::chooseFile()
{
    const QString file = QFileDialog::getOpenFileName(
        this, tr("Open image"), QFileInfo(m_path).path(),
        tr("Images (*.jpg *.jpeg *.png *.tif *.tiff *.bmp *.dcm);;All files (*)"));
    if (!file.isEmpty()) {
        openImage(file);
    }
}

PreviewRequest AugmentPage::currentRequest() const
{
    PreviewRequest request;
    request.path = m_path;
    request.spec.size = m_inputSize->value();
    request.spec.channels = m_channels->currentData().toInt();
    request.settings = m_controls->settings();
    request.seed = std::uint64_t(m_seed->value());
    request.samples = m_sampleCount->value();
    return request;
}

void AugmentPage::requestRender()
{
    if (m_path.isEmpty()) {
        return;
    }
    if (m_watcher.isRunning()) {
        m_renderPending = true; // rendered with the latest settings when this one ends
        return;
    }
    m_watcher.setFuture(QtConcurrent::run(renderAugmentationPreview, currentRequest()));
}

void AugmentPage::onRenderFinished()
{
    const PreviewResult result = m_watcher.result();
    if (m_renderPending) {
        m_renderPending = false;
        requestRender();
    }
    if (!result.error.isEmpty()) {
        m_grid->setMessage(tr("Cannot preview this image:\n%1").arg(result.error));
        m_inputNote->clear();
        Q_EMIT previewUpdated();
        return;
    }
    QVector<QImage> tiles = {result.original};
    tiles += result.samples;
    QStringList captions = {tr("original")};
    for (int i = 1; i <= result.samples.size(); ++i) {
        captions << QStringLiteral("#%1").arg(i);
    }
    m_grid->setTiles(tiles, captions);
    const QSize input = result.original.size();
    m_inputNote->setText(
        tr("Each tile is the model input itself: %1 × %2 %3, fed to the model as level / 255. "
           "Drawn without smoothing. Training draws fresh augmentations for every image in "
           "every epoch; validation and test images are never augmented.")
            .arg(input.width())
            .arg(input.height())
            .arg(result.original.format() == QImage::Format_Grayscale8 ? tr("grey levels")
                                                                       : tr("RGB pixels")));
    Q_EMIT previewUpdated();
}

} // namespace cxr::ui
