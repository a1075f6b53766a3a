// SPDX-License-Identifier: MIT
#pragma once

#include <QStringList>
#include <QWidget>

#include <vector>

class QLabel;
class QListView;

namespace cxr::ui {

class ThumbnailModel;

// The images of one confusion-matrix cell (row: true class, column: called class) at a
// threshold, most confident first, as thumbnails; a double-click asks for the image in the
// Viewer. The Evaluate page's "Cell images" tab.
class CellGallery : public QWidget {
    Q_OBJECT
public:
    explicit CellGallery(QWidget *parent = nullptr);

    struct Evaluation {
        const std::vector<int> &labels;
        const std::vector<float> &probabilities;
        const QStringList &files; // one per label
        const QStringList &classNames;
        double threshold;
    };
    // Shows the cell's images; false when the cell or the evaluation is not one it can show.
    bool showCell(int row, int column, const Evaluation &evaluation);
    void clear(); // a new evaluation: no cell chosen
    // The cell shown, or -1 for both.
    int cellRow() const { return m_row; }
    int cellColumn() const { return m_column; }
    QStringList images() const;
    QListView *view() const { return m_view; }

Q_SIGNALS:
    void imageActivated(const QString &path);

private:
    QLabel *m_label;
    QListView *m_view;
    ThumbnailModel *m_tiles;
    int m_row = -1;
    int m_column = -1;
};

} // namespace cxr::ui
