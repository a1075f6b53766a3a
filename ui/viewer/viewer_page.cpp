// SPDX-License-Identifier: MIT
#include "ui/viewer/viewer_page.h"

#include "core/imaging/display_window.h"
#include "core/imaging/image_loader.h"
#include "ui/common/image_conversion.h"
#include "ui/pacs/pacs_nodes.h"
#include "ui/pacs/pacs_result_sender.h"
#include "ui/viewer/batch_explain_dialog.h"
#include "ui/viewer/explain_panel.h"
#include "ui/viewer/image_metadata_text.h"
#include "ui/viewer/image_view.h"
#include "ui/viewer/overlay_controls.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QInputDialog>
#include <QLabel>
#include <QMenu>
#include <QMimeData>
#include <QPushButton>
#include <QScrollArea>
#include <QSettings>
#include <QSpinBox>
#include <QTimer>
#include <QToolButton>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>

#include <opencv2/core.hpp>

namespace cxr::ui {

namespace {

constexpr int kMaxRecentFiles = 10;
const QString kRecentKey = QStringLiteral("viewer/recentFiles");

const QString kImageFilter =
    QObject::tr("Images (*.jpg *.jpeg *.png *.bmp *.tif *.tiff *.dcm *.dicom);;All files (*)");

} // namespace

ViewerPage::ViewerPage(QWidget *parent)
    : QWidget(parent), m_openButton(new QPushButton(tr("Open image…"))),
      m_recentButton(new QToolButton), m_fitButton(new QPushButton(tr("Fit to window"))),
      m_presets(new QComboBox), m_invert(new QCheckBox(tr("Invert"))),
      m_frameLabel(new QLabel(tr("Frame:"))), m_frame(new QSpinBox),
      m_titleLabel(new QLabel(tr("Open a chest X-ray (JPEG, PNG, BMP, TIFF or DICOM), or drop "
                                 "one here"))),
      m_view(new ImageView), m_pixelLabel(new QLabel), m_metadata(new QLabel),
      m_showPatient(new QCheckBox(tr("Show patient identifiers"))), m_renderTimer(new QTimer(this)),
      m_explain(new ExplainPanel), m_resultSender(new PacsResultSender(this))
{
    setAcceptDrops(true);
    m_recentButton->setText(tr("Recent"));
    m_recentButton->setPopupMode(QToolButton::InstantPopup);
    m_recentButton->setMenu(new QMenu(m_recentButton));
    m_presets->setToolTip(tr("Window/level presets; right-drag on the image to adjust "
                             "(horizontal: width, vertical: centre)"));
    m_presets->setMinimumContentsLength(22);
    m_frame->setMinimum(1);

    auto *centre = new QVBoxLayout;
    centre->addWidget(m_titleLabel);
    centre->addWidget(m_view, 1);
    centre->addWidget(m_pixelLabel);
    auto *body = new QHBoxLayout;
    body->addLayout(centre, 1);
    body->addWidget(buildSidePanel());

    auto *layout = new QVBoxLayout(this);
    layout->addLayout(buildToolbar());
    layout->addLayout(body, 1);

    connectControls();
    rebuildRecentMenu();
    rebuildPresets();
}

// Open, recent files, fit, window presets, invert and the frame of a multi-frame file.
QLayout *ViewerPage::buildToolbar()
{
    auto *toolbar = new QHBoxLayout;
    toolbar->addWidget(m_openButton);
    toolbar->addWidget(m_recentButton);
    toolbar->addWidget(m_fitButton);
    toolbar->addSpacing(12);
    toolbar->addWidget(new QLabel(tr("Window:")));
    toolbar->addWidget(m_presets);
    toolbar->addWidget(m_invert);
    toolbar->addWidget(m_frameLabel);
    toolbar->addWidget(m_frame);
    toolbar->addStretch();

    return toolbar;
}

// The explain panel above the image's metadata, scrolled as one.
QWidget *ViewerPage::buildSidePanel()
{
    m_metadata->setAlignment(Qt::AlignTop | Qt::AlignLeft);
    m_metadata->setWordWrap(true);
    m_metadata->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_metadata->setMinimumWidth(260);
    auto *sideContent = new QWidget;
    auto *sideLayout = new QVBoxLayout(sideContent);
    sideLayout->addWidget(m_explain);
    sideLayout->addWidget(new QLabel(tr("<b>Image</b>")));
    sideLayout->addWidget(m_metadata);
    sideLayout->addWidget(m_showPatient);
    sideLayout->addStretch();
    auto *side = new QScrollArea;
    side->setWidget(sideContent);
    side->setWidgetResizable(true);
    side->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff); // the panel wraps instead
    side->setMinimumWidth(360);
    side->setMaximumWidth(440);

    return side;
}

void ViewerPage::connectControls()
{
    m_renderTimer->setSingleShot(true);
    m_renderTimer->setInterval(16);
    connect(m_renderTimer, &QTimer::timeout, this, &ViewerPage::render);
    connect(m_openButton, &QPushButton::clicked, this, &ViewerPage::chooseFile);
    connect(m_fitButton, &QPushButton::clicked, m_view, &ImageView::fitToWindow);
    connect(m_presets, &QComboBox::activated, this, &ViewerPage::applyWindowPreset);
    connect(m_invert, &QCheckBox::toggled, this, [this] { render(); });
    connect(m_frame, &QSpinBox::editingFinished, this, [this] {
        if (m_image && m_frame->value() - 1 != m_image->meta.frame) {
            openImage(m_path, m_frame->value() - 1);
        }
    });
    connect(m_showPatient, &QCheckBox::toggled, this, [this] { showMetadata(); });
    connect(&m_watcher, &QFutureWatcher<LoadOutcome>::finished, this, &ViewerPage::onLoaded);
    connect(m_view, &ImageView::windowDragged, this, &ViewerPage::onWindowDragged);
    const QString hint = tr("Wheel: zoom · drag: pan · right-drag: window/level · hover: value");
    m_pixelLabel->setText(hint);
    connect(m_view, &ImageView::cursorMoved, this, [this, hint](QPoint pixel) {
        const QString text = describePixel(pixel);
        m_pixelLabel->setText(text.isEmpty() ? hint : text);
    });
    connect(m_explain, &ExplainPanel::displayChanged, this, [this] { render(); });
    // The Viewer's own batch sends nothing to a PACS, whatever a PACS selection's batch did
    // (one still running keeps its setting).
    connect(m_explain, &ExplainPanel::batchRequested, this, [this] {
        BatchExplainDialog *batch = openBatchDialog();
        if (!batch->isRunning()) {
            batch->setSendNode(std::nullopt, false);
        }
    });
    connect(m_explain, &ExplainPanel::sendToPacsRequested, this, [this] { sendResultToPacs(); });
    connect(m_resultSender, &PacsResultSender::finished, this,
            [this](bool, const QString &message) { m_explain->setSendStatus(message); });
}

void ViewerPage::setRunsFolder(const QString &folder)
{
    m_explain->setRunsFolder(folder);
}

BatchExplainDialog *ViewerPage::openBatchDialog()
{
    if (!m_batchDialog) {
        m_batchDialog = new BatchExplainDialog(this);
        connect(m_batchDialog, &BatchExplainDialog::imageActivated, this,
                [this](const QString &path) { openImage(path); });
        if (!m_path.isEmpty()) {
            m_batchDialog->setFolderInput(QFileInfo(m_path).absolutePath());
        }
    }
    pipeline::BatchExplainJob job;
    job.model = m_explain->model().toStdString();
    job.request = m_explain->camRequest();
    job.tta = m_explain->testTimeAugmentation();
    job.display = m_explain->overlayControls()->display();
    m_batchDialog->setJobTemplate(job);
    m_batchDialog->show();
    m_batchDialog->raise();
    return m_batchDialog;
}

void ViewerPage::sendResultToPacs(const std::optional<pacs::PacsNode> &given)
{
    const auto &prediction = m_explain->prediction();
    const auto &card = m_explain->card();
    if (!prediction || !card || m_resultSender->isBusy()) {
        return;
    }
    std::optional<pacs::PacsNode> node = given;
    if (!node) {
        const PacsNodes nodes = loadPacsNodes();
        if (nodes.empty()) {
            m_explain->setSendStatus(tr("Add a PACS node on the PACS page first."));
            return;
        }
        QStringList names;
        for (const auto &entry : nodes) {
            names << entry.first;
        }
        bool chosen = true;
        const QString name = names.size() == 1
                                 ? names.front()
                                 : QInputDialog::getItem(this, tr("Send result to PACS"),
                                                         tr("PACS"), names, 0, false, &chosen);
        if (!chosen) {
            return;
        }
        node = nodes.at(name);
    }
    m_explain->setSendStatus(
        tr("Sending the result to %1…").arg(QString::fromStdString(pacs::describe(*node))));
    m_resultSender->send(m_explain->imagePath(), *prediction, *card,
                         m_explain->overlayControls()->display(), *node);
}

ViewerPage::~ViewerPage()
{
    m_watcher.waitForFinished(); // one image decode: short, and must not outlive the page
}

bool ViewerPage::isLoading() const
{
    return m_watcher.isRunning();
}

void ViewerPage::chooseFile()
{
    const QString path =
        QFileDialog::getOpenFileName(this, tr("Open image"), QString(), kImageFilter);
    if (!path.isEmpty()) {
        openImage(path);
    }
}

void ViewerPage::openImage(const QString &path, int frame)
{
    if (isLoading()) {
        m_watcher.waitForFinished();
    }
    m_pendingPath = path;
    m_titleLabel->setText(tr("Loading %1…").arg(QFileInfo(path).fileName()));
    const std::string file = path.toStdString();
    m_watcher.setFuture(QtConcurrent::run([file, frame]() {
        LoadOutcome outcome;
        imaging::LoadOptions options;
        options.frame = frame;
        auto image = imaging::loadImage(file, options);
        if (image) {
            outcome.image = std::move(*image);
        } else {
            outcome.error = QString::fromStdString(image.error().message);
        }
        return outcome;
    }));
}

void ViewerPage::onLoaded()
{
    LoadOutcome outcome = m_watcher.result();
    if (!outcome.image) {
        m_titleLabel->setText(tr("Cannot open image: %1").arg(outcome.error));
        Q_EMIT loadFailed(outcome.error);
        return;
    }
    const bool sameFile = m_path == m_pendingPath && m_image.has_value();
    m_image = std::move(outcome.image);
    m_path = m_pendingPath;
    m_window = m_image->window;
    m_valueRange = 256;
    if (!m_image->values.empty()) {
        double low = 0;
        double high = 0;
        cv::minMaxLoc(m_image->values, &low, &high);
        m_valueRange = std::max(1.0, high - low);
    }
    {
        const QSignalBlocker blocker(m_invert);
        m_invert->setChecked(m_image->polarity == imaging::Polarity::Inverted);
    }
    const int frames = m_image->meta.frameCount;
    m_frame->setMaximum(std::max(1, frames));
    m_frame->setValue(m_image->meta.frame + 1);
    m_frame->setVisible(frames > 1);
    m_frameLabel->setVisible(frames > 1);
    m_titleLabel->setText(frames > 1 ? tr("%1 (frame %2 of %3)")
                                           .arg(QFileInfo(m_path).fileName())
                                           .arg(m_image->meta.frame + 1)
                                           .arg(frames)
                                     : QFileInfo(m_path).fileName());
    const QImage shown = toQImage(m_image->display);
    if (sameFile) {
        m_view->replaceImage(shown); // another frame: keep zoom and pan
    } else {
        m_view->setImage(shown);
        m_explain->setImage(m_path); // its map is drawn when it arrives
    }
    rebuildPresets();
    showMetadata();
    rememberRecent(m_path);
    Q_EMIT imageLoaded(m_path);
}

void ViewerPage::rebuildPresets()
{
    m_presets->clear();
    m_presetWindows.clear();
    const bool grey = m_image && !m_image->values.empty();
    m_presets->setEnabled(grey);
    if (!grey) {
        m_presets->addItem(tr("(colour or VOI LUT image)"));
        return;
    }
    auto add = [this](const QString &name, imaging::DisplayWindow window) {
        m_presets->addItem(QStringLiteral("%1  (%2 / %3)")
                               .arg(name, valueText(window.center), valueText(window.width)));
        m_presetWindows.push_back(window);
    };
    add(tr("As loaded"), m_image->window);
    for (const imaging::WindowPreset &preset : m_image->meta.windows) {
        if (preset.width >= 1) {
            add(preset.name.empty() ? tr("From file") : QString::fromStdString(preset.name),
                {preset.center, preset.width});
        }
    }
    add(tr("Full range"), imaging::minMaxWindow(m_image->values));
    if (m_image->meta.rescaleType == "HU") {
        add(tr("Lung"), {-600, 1500});
        add(tr("Mediastinum"), {40, 400});
        add(tr("Bone"), {400, 1800});
    }
}

void ViewerPage::applyWindowPreset(int index)
{
    if (index >= 0 && std::size_t(index) < m_presetWindows.size()) {
        setWindow(m_presetWindows[std::size_t(index)]);
        m_presets->setCurrentIndex(index);
    }
}

QStringList ViewerPage::windowPresetNames() const
{
    QStringList names;
    for (int i = 0; i < m_presets->count(); ++i) {
        names << m_presets->itemText(i);
    }
    return names;
}

void ViewerPage::setWindow(imaging::DisplayWindow window)
{
    m_window = {window.center, std::max(1.0, window.width)};
    render();
}

bool ViewerPage::isInverted() const
{
    return m_invert->isChecked();
}

void ViewerPage::setInverted(bool inverted)
{
    m_invert->setChecked(inverted); // toggled() renders
}

void ViewerPage::onWindowDragged(QPoint delta)
{
    if (!m_image || m_image->values.empty()) {
        return;
    }
    // 500 screen pixels of drag cover the whole value range.
    const double step = m_valueRange / 500.0;
    m_window.width = std::max(1.0, m_window.width + delta.x() * step);
    m_window.center -= delta.y() * step;
    m_presets->setCurrentIndex(-1);
    m_presets->setPlaceholderText(
        tr("Custom (%1 / %2)").arg(valueText(m_window.center), valueText(m_window.width)));
    m_renderTimer->start();
}

void ViewerPage::render()
{
    if (!m_image) {
        return;
    }
    cv::Mat shown;
    const auto polarity = isInverted() ? imaging::Polarity::Inverted : imaging::Polarity::Normal;
    if (!m_image->values.empty()) {
        shown = imaging::renderWindow(m_image->values, m_window, polarity);
    } else {
        const bool flip = polarity != m_image->polarity;
        shown = flip ? cv::Mat(cv::Scalar::all(255) - m_image->display) : m_image->display;
    }
    m_view->replaceImage(toQImage(m_explain->compose(shown)));
    showMetadata();
}

QString ViewerPage::describePixel(QPoint pixel) const
{
    if (m_explain->overlayControls()->view() == CamView::SideBySide && m_image &&
        m_image->display.cols > 0) {
        pixel.setX(pixel.x() % m_image->display.cols); // the three panels show the same pixels
    }
    if (m_explain->overlayControls()->view() == CamView::ModelInput) {
        return QString(); // model-input pixels are not the image's
    }
    if (!m_image || pixel.x() < 0 || pixel.y() < 0 || pixel.x() >= m_image->display.cols ||
        pixel.y() >= m_image->display.rows) {
        return QString();
    }
    const QString value = pixelValueText(*m_image, pixel);
    const QString map =
        m_explain->describeMapAt(pixel, cv::Size(m_image->display.cols, m_image->display.rows));
    return tr("x %1, y %2: %3").arg(pixel.x()).arg(pixel.y()).arg(value) +
           (map.isEmpty() || m_explain->overlayControls()->view() == CamView::ImageOnly
                ? QString()
                : QStringLiteral(" · ") + map);
}

void ViewerPage::setPatientIdentifiersShown(bool shown)
{
    m_showPatient->setChecked(shown);
}

QString ViewerPage::metadataText() const
{
    return m_metadata->text();
}

void ViewerPage::showMetadata()
{
    if (!m_image) {
        m_metadata->clear();
        return;
    }
    m_metadata->setText(
        imageMetadataHtml(*m_image, {m_window, isInverted(), m_showPatient->isChecked()}));
}

void ViewerPage::dragEnterEvent(QDragEnterEvent *event)
{
    if (event->mimeData()->hasUrls() && event->mimeData()->urls().first().isLocalFile()) {
        event->acceptProposedAction();
    }
}

void ViewerPage::dropEvent(QDropEvent *event)
{
    const QList<QUrl> urls = event->mimeData()->urls();
    if (!urls.isEmpty() && urls.first().isLocalFile()) {
        openImage(urls.first().toLocalFile());
        event->acceptProposedAction();
    }
}

QStringList ViewerPage::recentFiles() const
{
    return QSettings().value(kRecentKey).toStringList();
}

void ViewerPage::rememberRecent(const QString &path)
{
    QStringList recent = recentFiles();
    const QString absolute = QFileInfo(path).absoluteFilePath();
    recent.removeAll(absolute);
    recent.prepend(absolute);
    while (recent.size() > kMaxRecentFiles) {
        recent.removeLast();
    }
    QSettings().setValue(kRecentKey, recent);
    rebuildRecentMenu();
}

void ViewerPage::rebuildRecentMenu()
{
    QMenu *menu = m_recentButton->menu();
    menu->clear();
    const QStringList recent = recentFiles();
    for (const QString &path : recent) {
        menu->addAction(QFileInfo(path).fileName(), this, [this, path] { openImage(path); })
            ->setToolTip(path);
    }
    m_recentButton->setEnabled(!recent.isEmpty());
}

} // namespace cxr::ui
