// SPDX-License-Identifier: MIT
#pragma once

#include "core/imaging/image.h"
#include "core/pacs/pacs_node.h"

#include <QFutureWatcher>
#include <QStringList>
#include <QWidget>

#include <optional>

class QCheckBox;
class QComboBox;
class QLabel;
class QLayout;
class QPushButton;
class QSpinBox;
class QTimer;
class QToolButton;

namespace cxr::ui {

class BatchExplainDialog;
class PacsResultSender;
class ExplainPanel;
class ImageView;

// Opens one image (JPEG, PNG, BMP, TIFF, DICOM; file dialog, drag and drop, recent files) and
// shows it with its metadata and the display steps the loader applied. Zoom (wheel), pan
// (drag), window/level (right-drag or presets), inversion, frame choice, and the original
// value under the cursor. Decoding runs off the UI thread. With a model chosen, the side panel
// shows the prediction and its class-activation map, drawn over the image as windowed.
class ViewerPage : public QWidget {
    Q_OBJECT
public:
    explicit ViewerPage(QWidget *parent = nullptr);
    ~ViewerPage() override;

    // frame: 0-based frame of a multi-frame DICOM.
    void openImage(const QString &path, int frame = 0);
    // Asks for a file with the platform's dialog and opens it.
    void chooseFile();
    bool isLoading() const;
    const std::optional<imaging::Image> &image() const { return m_image; }

    // Window/level and polarity of what is shown now (grey images).
    imaging::DisplayWindow window() const { return m_window; }
    void setWindow(imaging::DisplayWindow window);
    bool isInverted() const;
    void setInverted(bool inverted);
    QStringList windowPresetNames() const;
    void applyWindowPreset(int index);
    // "x, y: value" for the image pixel, as the status line shows it.
    QString describePixel(QPoint pixel) const;
    QStringList recentFiles() const;
    void setPatientIdentifiersShown(bool shown);
    QString metadataText() const;

    // The model side: prediction, map, overlay settings, review.
    ExplainPanel *explainPanel() const { return m_explain; }
    // Where the model list finds runs (the Train page's runs folder).
    void setRunsFolder(const QString &folder);
    // Opens (or raises) the batch dialog with the current model and map settings.
    BatchExplainDialog *openBatchDialog();
    // Stores the shown prediction of a DICOM image in its study on node (a structured report
    // and the overlay); without a node, asks which of the PACS page's nodes.
    void sendResultToPacs(const std::optional<pacs::PacsNode> &node = std::nullopt);
    PacsResultSender *resultSender() const { return m_resultSender; }

Q_SIGNALS:
    void imageLoaded(const QString &path);
    void loadFailed(const QString &message);

protected:
    void dragEnterEvent(QDragEnterEvent *event) override;
    void dropEvent(QDropEvent *event) override;

private:
    QLayout *buildToolbar();
    QWidget *buildSidePanel();
    void connectControls();
    struct LoadOutcome {
        std::optional<imaging::Image> image;
        QString error;
    };
    void onLoaded();
    void showMetadata();
    void rebuildPresets();
    void render();
    void onWindowDragged(QPoint delta);
    void rememberRecent(const QString &path);
    void rebuildRecentMenu();

    QPushButton *m_openButton;
    QToolButton *m_recentButton;
    QPushButton *m_fitButton;
    QComboBox *m_presets;
    QCheckBox *m_invert;
    QLabel *m_frameLabel;
    QSpinBox *m_frame;
    QLabel *m_titleLabel;
    ImageView *m_view;
    QLabel *m_pixelLabel;
    QLabel *m_metadata;
    QCheckBox *m_showPatient;
    QTimer *m_renderTimer; // coalesces window/level drags into one render per frame
    QString m_path;
    QString m_pendingPath;
    QFutureWatcher<LoadOutcome> m_watcher;
    std::optional<imaging::Image> m_image;
    imaging::DisplayWindow m_window;
    std::vector<imaging::DisplayWindow> m_presetWindows;
    double m_valueRange = 256;
    ExplainPanel *m_explain;
    BatchExplainDialog *m_batchDialog = nullptr;
    PacsResultSender *m_resultSender;
};

} // namespace cxr::ui
