// SPDX-License-Identifier: MIT
#pragma once

#include "core/imaging/image.h"

#include <QFutureWatcher>
#include <QWidget>

#include <optional>

class QLabel;
class QPushButton;

namespace cxr::ui {

class ImageView;

// Opens one image (JPEG, PNG, BMP, TIFF, DICOM) and shows it with its metadata and the
// display steps the loader applied. Decoding runs off the UI thread.
class ViewerPage : public QWidget {
    Q_OBJECT
public:
    explicit ViewerPage(QWidget *parent = nullptr);
    ~ViewerPage() override;

    void openImage(const QString &path);
    bool isLoading() const;
    const std::optional<imaging::Image> &image() const { return m_image; }

Q_SIGNALS:
    void imageLoaded(const QString &path);
    void loadFailed(const QString &message);

private:
    struct LoadOutcome {
        std::optional<imaging::Image> image;
        QString error;
    };
    void chooseFile();
    void onLoaded();
    void showMetadata();

    QPushButton *m_openButton;
    QPushButton *m_fitButton;
    QLabel *m_titleLabel;
    ImageView *m_view;
    QLabel *m_metadata;
    QString m_pendingPath;
    QFutureWatcher<LoadOutcome> m_watcher;
    std::optional<imaging::Image> m_image;
};

} // namespace cxr::ui
