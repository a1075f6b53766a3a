// SPDX-License-Identifier: MIT
#include "ui/evaluation/cell_gallery.h"

#include "core/ml/diagnostic_metrics.h"
#include "ui/dataset/thumbnail_model.h"

#include <QLabel>
#include <QListView>
#include <QVBoxLayout>

namespace cxr::ui {

CellGallery::CellGallery(QWidget *parent)
    : QWidget(parent), m_label(new QLabel), m_view(new QListView), m_tiles(new ThumbnailModel(this))
{
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_label);
    layout->addWidget(m_view, 1);
    m_label->setWordWrap(true);
    m_label->setText(tr("Click a cell of the confusion matrix to see its images, most confident "
                        "first; double-click one to open it in the Viewer with its Grad-CAM."));
    m_view->setModel(m_tiles);
    m_view->setViewMode(QListView::IconMode);
    m_view->setIconSize(QSize(ThumbnailModel::kThumbnailSide, ThumbnailModel::kThumbnailSide));
    m_view->setGridSize(
        QSize(ThumbnailModel::kThumbnailSide + 16, ThumbnailModel::kThumbnailSide + 30));
    m_view->setResizeMode(QListView::Adjust);
    m_view->setMovement(QListView::Static);
    m_view->setUniformItemSizes(true);
    connect(m_view, &QListView::doubleClicked, this, [this](const QModelIndex &index) {
        Q_EMIT imageActivated(index.data(ThumbnailModel::PathRole).toString());
    });
}

bool CellGallery::showCell(int row, int column, const Evaluation &evaluation)
{
    const std::vector<int> &labels = evaluation.labels;
    const std::vector<float> &probabilities = evaluation.probabilities;
    if (labels.empty() || evaluation.files.size() != int(labels.size()) ||
        probabilities.size() != labels.size() || row < 0 || row > 1 || column < 0 || column > 1) {
        return false;
    }
    m_row = row;
    m_column = column;
    const std::vector<std::size_t> members =
        ml::confusionCellMembers(labels, probabilities, evaluation.threshold, row, column);
    QVector<ThumbnailModel::Tile> tiles;
    for (std::size_t i : members) {
        const QString &file = evaluation.files[int(i)];
        tiles.append({file, tr("p %1").arg(double(probabilities[i]), 0, 'f', 3), file,
                      double(probabilities[i])});
    }
    m_tiles->setImages(tiles);
    const QString count = tiles.size() == 1 ? tr("1 image") : tr("%1 images").arg(tiles.size());
    m_label->setText(tr("True %1, called %2 at threshold %3: %4, most confident first. "
                        "Double-click one to open it in the Viewer with its Grad-CAM.")
                         .arg(evaluation.classNames.value(row), evaluation.classNames.value(column))
                         .arg(evaluation.threshold, 0, 'f', 3)
                         .arg(count));
    return true;
}

void CellGallery::clear()
{
    m_row = m_column = -1;
    m_tiles->setImages({});
}

QStringList CellGallery::images() const
{
    QStringList paths;
    for (int row = 0; row < m_tiles->rowCount(); ++row) {
        paths << m_tiles->index(row).data(ThumbnailModel::PathRole).toString();
    }
    return paths;
}

} // namespace cxr::ui
