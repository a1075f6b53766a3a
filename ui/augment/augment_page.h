// SPDX-License-Identifier: MIT
#pragma once

#include "core/data/dataset_index.h"
#include "ui/augment/augmentation_preview.h"

#include <QFutureWatcher>
#include <QWidget>

#include <memory>
#include <random>

class QComboBox;
class QHBoxLayout;
class QLabel;
class QPushButton;
class QSpinBox;

namespace cxr::ui {

class AugmentationControls;
class TileGrid;

// The augmentation preview: an image (opened, or a random training image of a class), its
// model input, and a grid of augmented samples exactly as training would see them. Every
// change re-renders on a worker thread; edits made while one render runs are folded into the
// next, so the page never freezes and always ends on the latest settings.
class AugmentPage : public QWidget {
    Q_OBJECT
public:
    explicit AugmentPage(QWidget *parent = nullptr);
    ~AugmentPage() override;

    // Offers a "random CLASS" button per class, drawing from the training split only:
    // augmentation never touches validation or test images.
    void setDataset(std::shared_ptr<const data::DatasetIndex> dataset);
    void openImage(const QString &path);
    // Opens a random training image of className; false when there is none.
    bool openRandomImage(const QString &className);

    AugmentationControls *controls() const { return m_controls; }
    TileGrid *grid() const { return m_grid; }
    QString imagePath() const { return m_path; }
    bool isRendering() const { return m_watcher.isRunning(); }
    void setSeed(int seed);

Q_SIGNALS:
    // After each render, with or without an error.
    void previewUpdated();

private:
    void chooseFile();
    void requestRender();
    void onRenderFinished();
    PreviewRequest currentRequest() const;

    QPushButton *m_openButton;
    QWidget *m_randomButtons;
    QHBoxLayout *m_randomLayout;
    QLabel *m_pathLabel;
    QSpinBox *m_inputSize;
    QComboBox *m_channels;
    QSpinBox *m_sampleCount;
    QSpinBox *m_seed;
    QPushButton *m_rerollButton;
    AugmentationControls *m_controls;
    TileGrid *m_grid;
    QLabel *m_inputNote;
    QFutureWatcher<PreviewResult> m_watcher;
    bool m_renderPending = false;
    std::shared_ptr<const data::DatasetIndex> m_dataset;
    QString m_path;
    std::mt19937 m_picker{20261127};
};

} // namespace cxr::ui
