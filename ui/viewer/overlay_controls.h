// SPDX-License-Identifier: MIT
#pragma once

#include "core/ml/classifier.h"
#include "core/pipeline/cam_rendering.h"

#include <QWidget>

#include <optional>

#include <opencv2/core/mat.hpp>

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QSlider;

namespace cxr::ui {

// What the viewer shows of an image and its class-activation map.
enum class CamView {
    Overlay,    // the map over the image
    SideBySide, // image | map | overlay
    ImageOnly,  // the map hidden
    ModelInput, // exactly the pixels the model saw (its input size), without the map
};

// How the map is drawn: view, opacity, colour map, a threshold that hides weak activations,
// contours, and the colour scale (per image or absolute) with a colour bar that says which.
// Remembers its settings.
class OverlayControls : public QWidget {
    Q_OBJECT
public:
    explicit OverlayControls(QWidget *parent = nullptr);

    CamView view() const;
    void setView(CamView view);
    pipeline::CamDisplay display() const;
    void setOpacity(double opacity); // 0..1
    void setColormap(imaging::Colormap colormap);
    // The map now shown (nullptr: none): the colour bar's caption gives its raw range.
    void setCam(const ml::CamMap *cam);

    // The displayed picture for image (the windowed image as shown, 8-bit grey or BGR).
    cv::Mat compose(const cv::Mat &image, const ml::CamMap *cam, const ml::ModelSpec &spec,
                    const cv::Mat &modelInput) const;

Q_SIGNALS:
    void changed();

private:
    void updateColourBar();
    void save() const;

    QComboBox *m_view;
    QSlider *m_opacity;
    QComboBox *m_colormap;
    QSlider *m_hideBelow;
    QCheckBox *m_contours;
    QComboBox *m_scale;
    QDoubleSpinBox *m_fullScale;
    QLabel *m_colourBar;
    QLabel *m_caption;
    std::optional<ml::CamMap> m_cam;
    // The map resized and coloured for the image size shown: window/level drags and opacity
    // changes redraw from it instead of recolouring the map at full resolution each time.
    struct LayerKey {
        const float *cam = nullptr; // identity of the map's values ...
        double fingerprint = 0;     // ... and a sample of them, should a new map reuse the memory
        int width = 0;
        int height = 0;
        int colormap = 0;
        int scale = 0;
        double absoluteMax = 0;
        bool operator==(const LayerKey &o) const
        {
            return cam == o.cam && fingerprint == o.fingerprint && width == o.width &&
                   height == o.height && colormap == o.colormap && scale == o.scale &&
                   absoluteMax == o.absoluteMax;
        }
    };
    mutable LayerKey m_layerKey;
    mutable imaging::HeatmapLayer m_layer;
    const imaging::HeatmapLayer &layerFor(const cv::Mat &image, const ml::CamMap &cam,
                                          const ml::ModelSpec &spec,
                                          const pipeline::CamDisplay &display) const;
};

} // namespace cxr::ui
