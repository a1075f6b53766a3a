// SPDX-License-Identifier: MIT
#include "ui/viewer/overlay_controls.h"

#include "ui/common/image_conversion.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QLabel>
#include <QPixmap>
#include <QSettings>
#include <QSlider>

#include <opencv2/imgproc.hpp>

namespace cxr::ui {

namespace {

const QString kSettings = QStringLiteral("viewer/overlay/");

cv::Mat toBgr(const cv::Mat &image)
{
    if (image.channels() == 3) {
        return image;
    }
    cv::Mat bgr;
    cv::cvtColor(image, bgr, cv::COLOR_GRAY2BGR);
    return bgr;
}

} // namespace

OverlayControls::OverlayControls(QWidget *parent)
    : QWidget(parent), m_view(new QComboBox), m_opacity(new QSlider(Qt::Horizontal)),
      m_colormap(new QComboBox), m_hideBelow(new QSlider(Qt::Horizontal)),
      m_contours(new QCheckBox(tr("Contours instead of a filled map"))), m_scale(new QComboBox),
      m_fullScale(new QDoubleSpinBox), m_colourBar(new QLabel), m_caption(new QLabel)
{
    m_view->addItems({tr("Overlay"), tr("Side by side"), tr("Image only"), tr("Model input")});
    m_view->setToolTip(tr("Side by side: image, map and overlay. Model input: the exact pixels the "
                          "model saw, at its input size."));
    m_opacity->setRange(0, 100);
    m_colormap->addItems({tr("Jet"), tr("Inferno"), tr("Viridis")});
    m_colormap->setToolTip(tr("Inferno and Viridis are perceptually uniform: equal steps of "
                              "evidence look like equal steps of colour. Jet is not, but the "
                              "thesis used it."));
    m_hideBelow->setRange(0, 95);
    m_hideBelow->setToolTip(tr("Do not draw the map where it is weaker than this share of the "
                               "colour scale"));
    m_scale->addItems({tr("Per image (min-max)"), tr("Absolute")});
    m_scale->setToolTip(
        tr("Per image: this image's strongest evidence is always the top colour. "
           "Absolute: raw map values against a fixed full scale, so images compare."));
    m_fullScale->setDecimals(6);
    m_fullScale->setRange(1e-6, 1e6);
    m_fullScale->setToolTip(tr("Raw map value drawn at the top of the absolute scale"));
    m_colourBar->setFixedHeight(14);
    m_colourBar->setScaledContents(true);
    m_caption->setWordWrap(true);

    QSettings settings;
    m_view->setCurrentIndex(settings.value(kSettings + "view", 0).toInt());
    m_opacity->setValue(settings.value(kSettings + "opacity", 40).toInt());
    m_colormap->setCurrentIndex(settings.value(kSettings + "colormap", 0).toInt());
    m_hideBelow->setValue(settings.value(kSettings + "hideBelow", 0).toInt());
    m_contours->setChecked(settings.value(kSettings + "contours", false).toBool());
    m_scale->setCurrentIndex(settings.value(kSettings + "scale", 0).toInt());
    m_fullScale->setValue(settings.value(kSettings + "fullScale", 1.0).toDouble());
    m_fullScale->setEnabled(m_scale->currentIndex() == 1);

    auto *form = new QFormLayout(this);
    form->setContentsMargins(0, 0, 0, 0);
    form->addRow(tr("Show"), m_view);
    form->addRow(tr("Opacity"), m_opacity);
    form->addRow(tr("Colours"), m_colormap);
    form->addRow(tr("Hide below"), m_hideBelow);
    form->addRow(QString(), m_contours);
    form->addRow(tr("Scale"), m_scale);
    form->addRow(tr("Full scale"), m_fullScale);
    form->addRow(m_colourBar);
    form->addRow(m_caption);

    const auto changedSetting = [this] {
        m_fullScale->setEnabled(m_scale->currentIndex() == 1);
        updateColourBar();
        save();
        Q_EMIT changed();
    };
    connect(m_view, &QComboBox::currentIndexChanged, this, changedSetting);
    connect(m_opacity, &QSlider::valueChanged, this, changedSetting);
    connect(m_colormap, &QComboBox::currentIndexChanged, this, changedSetting);
    connect(m_hideBelow, &QSlider::valueChanged, this, changedSetting);
    connect(m_contours, &QCheckBox::toggled, this, changedSetting);
    connect(m_scale, &QComboBox::currentIndexChanged, this, changedSetting);
    connect(m_fullScale, &QDoubleSpinBox::valueChanged, this, changedSetting);
    updateColourBar();
}

CamView OverlayControls::view() const
{
    return CamView(m_view->currentIndex());
}
void OverlayControls::setView(CamView view)
{
    m_view->setCurrentIndex(int(view));
}
void OverlayControls::setOpacity(double opacity)
{
    m_opacity->setValue(int(opacity * 100 + 0.5));
}
void OverlayControls::setColormap(imaging::Colormap colormap)
{
    m_colormap->setCurrentIndex(int(colormap));
}

pipeline::CamDisplay OverlayControls::display() const
{
    pipeline::CamDisplay display;
    display.style.colormap = imaging::Colormap(m_colormap->currentIndex());
    display.style.opacity = m_opacity->value() / 100.0;
    display.style.threshold = m_hideBelow->value() / 100.0;
    display.style.mode =
        m_contours->isChecked() ? imaging::HeatmapMode::Contours : imaging::HeatmapMode::Filled;
    display.scale =
        m_scale->currentIndex() == 1 ? pipeline::CamScale::Absolute : pipeline::CamScale::PerImage;
    display.absoluteMax = m_fullScale->value();
    return display;
}

void OverlayControls::setCam(const ml::CamMap *cam)
{
    if (cam) {
        m_cam = *cam;
    } else {
        m_cam.reset();
    }
    updateColourBar();
}

void OverlayControls::updateColourBar()
{
    const pipeline::CamDisplay d = display();
    m_colourBar->setPixmap(
        QPixmap::fromImage(toQImage(imaging::renderColourBar(d.style.colormap, 256, 1))));
    m_caption->setText(m_cam ? QString::fromStdString(pipeline::colourScaleCaption(*m_cam, d))
                             : tr("No map yet: choose a model and open an image."));
}

cv::Mat OverlayControls::compose(const cv::Mat &image, const ml::CamMap *cam,
                                 const ml::ModelSpec &spec, const cv::Mat &modelInput) const
{
    const CamView shown = view();
    if (shown == CamView::ModelInput && !modelInput.empty()) {
        return modelInput;
    }
    if (!cam || shown == CamView::ImageOnly || shown == CamView::ModelInput) {
        return image;
    }
    const pipeline::CamDisplay d = display();
    const imaging::HeatmapLayer &layer = layerFor(image, *cam, spec, d);
    const cv::Mat overlay = imaging::drawHeatmapLayer(image, layer, d.style);
    if (shown == CamView::Overlay) {
        return overlay;
    }
    cv::Mat row;
    cv::hconcat(std::vector<cv::Mat>{toBgr(image), layer.colour, overlay}, row);
    return row;
}

const imaging::HeatmapLayer &OverlayControls::layerFor(const cv::Mat &image, const ml::CamMap &cam,
                                                       const ml::ModelSpec &spec,
                                                       const pipeline::CamDisplay &display) const
{
    double fingerprint = cam.rawLow + 3 * cam.rawHigh;
    for (std::size_t i = 0; i < cam.values.size(); i += 61) {
        fingerprint += cam.values[i] * double(i % 7 + 1);
    }
    const LayerKey key{
        cam.values.data(),           fingerprint,        image.cols,         image.rows,
        int(display.style.colormap), int(display.scale), display.absoluteMax};
    if (!(key == m_layerKey) || m_layer.values.empty()) {
        m_layer = pipeline::prepareCamLayer(cam, spec, image.size(), display);
        m_layerKey = key;
    }
    return m_layer;
}

void OverlayControls::save() const
{
    QSettings settings;
    settings.setValue(kSettings + "view", m_view->currentIndex());
    settings.setValue(kSettings + "opacity", m_opacity->value());
    settings.setValue(kSettings + "colormap", m_colormap->currentIndex());
    settings.setValue(kSettings + "hideBelow", m_hideBelow->value());
    settings.setValue(kSettings + "contours", m_contours->isChecked());
    settings.setValue(kSettings + "scale", m_scale->currentIndex());
    settings.setValue(kSettings + "fullScale", m_fullScale->value());
}

} // namespace cxr::ui
