// SPDX-License-Identifier: MIT
#include "ui/viewer/batch_explain_dialog.h"

#include "ui/common/path_field.h"
#include "ui/common/polled_progress.h"
#include "ui/dataset/thumbnail_model.h"

#include <QButtonGroup>
#include <QCheckBox>
#include <QComboBox>
#include <QDir>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QListView>
#include <QProgressBar>
#include <QPushButton>
#include <QRadioButton>
#include <QTimer>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>

#include <algorithm>

namespace cxr::ui {

namespace {

constexpr int kThumbnailSize = ThumbnailModel::kThumbnailSide;
constexpr int kImageRole = Qt::ToolTipRole; // the tile's tooltip is the image's path

// What a tile says under its overlay: the probability and class, and any warning.
QString tileCaption(const pipeline::BatchExplainResult &result, const pipeline::BatchRow &row)
{
    QString caption = BatchExplainDialog::tr("%1 · %2")
                          .arg(row.probability, 0, 'f', 3)
                          .arg(QString::fromStdString(row.predictedClass));
    if (!row.label.empty()) {
        caption += BatchExplainDialog::tr(" (true %1)").arg(QString::fromStdString(row.label));
    }
    if (row.flat) {
        caption += BatchExplainDialog::tr(" · flat map");
    }
    // As prominent as the prediction it qualifies (the Viewer says the same of one image).
    if (row.ood) {
        caption += BatchExplainDialog::tr(" · ⚠ unlike the training images");
    }
    if (pipeline::resultsNotSent(result, row)) {
        caption += BatchExplainDialog::tr(" · not sent to the PACS");
    }
    return caption;
}

} // namespace

BatchExplainDialog::BatchExplainDialog(QWidget *parent)
    : QDialog(parent), m_fromFolder(new QRadioButton(tr("Folder"))),
      m_fromDataset(new QRadioButton(tr("Dataset split"))), m_folder(new QLineEdit),
      m_dataset(new QLineEdit), m_split(new QLineEdit(QStringLiteral("test"))),
      m_output(new QLineEdit), m_send(new QCheckBox), m_order(new QComboBox),
      m_start(new QPushButton(tr("Start"))), m_cancel(new QPushButton(tr("Cancel"))),
      m_progress(new QProgressBar), m_status(new QLabel), m_grid(new QListView),
      m_tiles(new ThumbnailModel(this)), m_timer(new QTimer(this))
{
    setWindowTitle(tr("Batch prediction and maps"));
    resize(900, 680);
    m_fromFolder->setChecked(true);
    auto *source = new QButtonGroup(this);
    source->addButton(m_fromFolder);
    source->addButton(m_fromDataset);
    m_output->setPlaceholderText(tr("Folder for predictions.csv and overlays/"));
    m_order->addItems({tr("Highest probability first"), tr("Lowest probability first")});
    m_status->setWordWrap(true);
    // Thumbnails are decoded lazily for the rows on screen, on the model's thread.
    m_grid->setModel(m_tiles);
    m_grid->setViewMode(QListView::IconMode);
    m_grid->setIconSize(QSize(kThumbnailSize, kThumbnailSize));
    m_grid->setGridSize(QSize(kThumbnailSize + 40, kThumbnailSize + 44));
    m_grid->setResizeMode(QListView::Adjust);
    m_grid->setMovement(QListView::Static);
    m_grid->setUniformItemSizes(true);
    m_grid->setWordWrap(true);
    m_grid->setToolTip(tr("Double-click to open the image in the Viewer"));
    m_cancel->setEnabled(false);

    auto *datasetRow = new QHBoxLayout;
    datasetRow->addWidget(withBrowseButton(m_dataset, PathKind::Folder, tr("Dataset folder"), this),
                          1);
    datasetRow->addWidget(new QLabel(tr("split")));
    datasetRow->addWidget(m_split);
    auto *form = new QFormLayout;
    form->addRow(m_fromFolder,
                 withBrowseButton(m_folder, PathKind::Folder, tr("Folder of images"), this));
    m_folder->setObjectName(QStringLiteral("folderInput")); // for tests and accessibility
    form->addRow(m_fromDataset, datasetRow);
    form->addRow(tr("Results folder"),
                 withBrowseButton(m_output, PathKind::Folder, tr("Results folder"), this));
    form->addRow(QString(), m_send);
    m_send->setVisible(false);
    auto *buttons = new QHBoxLayout;
    buttons->addWidget(m_start);
    buttons->addWidget(m_cancel);
    buttons->addWidget(m_progress, 1);
    buttons->addWidget(m_order);
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addLayout(buttons);
    layout->addWidget(m_status);
    layout->addWidget(m_grid, 1);

    m_timer->setInterval(200);
    connect(m_timer, &QTimer::timeout, this, &BatchExplainDialog::updateProgress);
    connect(m_start, &QPushButton::clicked, this, &BatchExplainDialog::start);
    connect(m_cancel, &QPushButton::clicked, this, &BatchExplainDialog::cancel);
    connect(&m_watcher, &QFutureWatcherBase::finished, this, &BatchExplainDialog::onFinished);
    connect(m_order, &QComboBox::currentIndexChanged, this, [this] {
        if (m_result) {
            fillGrid(*m_result);
        }
    });
    connect(m_grid, &QListView::doubleClicked, this, [this](const QModelIndex &index) {
        Q_EMIT imageActivated(index.data(kImageRole).toString());
    });
}

BatchExplainDialog::~BatchExplainDialog()
{
    cancel();
    m_watcher.waitForFinished(); // stops within one image
}

void BatchExplainDialog::setJobTemplate(const pipeline::BatchExplainJob &job)
{
    m_template = job;
}
void BatchExplainDialog::setFolderInput(const QString &folder)
{
    setFolderInputs({folder});
}
void BatchExplainDialog::setFolderInputs(const QStringList &folders)
{
    m_fromFolder->setChecked(true);
    m_folders = folders.size() > 1 ? folders : QStringList();
    m_foldersLabel = folders.size() > 1
                         ? tr("%1 folders: %2; …").arg(folders.size()).arg(folders.front())
                         : QString();
    m_folder->setText(folders.size() > 1 ? m_foldersLabel : folders.value(0));
    m_folder->setToolTip(folders.join(QLatin1Char('\n')));
}
void BatchExplainDialog::setDatasetInput(const QString &dataset, const QString &split)
{
    m_fromDataset->setChecked(true);
    m_dataset->setText(dataset);
    m_split->setText(split);
}
void BatchExplainDialog::setOutputFolder(const QString &folder)
{
    m_output->setText(folder);
}
void BatchExplainDialog::setSendNode(const std::optional<pacs::PacsNode> &node, bool send)
{
    m_sendNode = node;
    m_send->setVisible(node.has_value());
    m_send->setChecked(node && send);
    if (node) {
        m_send->setText(tr("Store each DICOM image's results in %1 (a report, the overlay and "
                           "the map, in the image's study)")
                            .arg(QString::fromStdString(pacs::describe(*node))));
    }
}
bool BatchExplainDialog::isRunning() const
{
    return m_watcher.isRunning();
}
QString BatchExplainDialog::statusText() const
{
    return m_status->text();
}

void BatchExplainDialog::start()
{
    if (isRunning()) {
        return;
    }
    pipeline::BatchExplainJob job = m_template;
    if (job.model.empty()) {
        m_status->setText(tr("Choose a model in the Viewer first."));
        return;
    }
    if (m_output->text().trimmed().isEmpty()) {
        m_status->setText(tr("Choose a results folder."));
        return;
    }
    job.outputFolder = m_output->text().trimmed().toStdString();
    job.sendTo = m_sendNode && m_send->isChecked() ? m_sendNode : std::nullopt;
    if (m_fromDataset->isChecked()) {
        job.dataset = m_dataset->text().trimmed().toStdString();
        job.split = m_split->text().trimmed().toStdString();
        job.inputs.clear();
    } else {
        job.dataset.clear();
        job.inputs.clear();
        const bool several = !m_folders.isEmpty() && m_folder->text() == m_foldersLabel;
        for (const QString &folder :
             several ? m_folders : QStringList{m_folder->text().trimmed()}) {
            job.inputs.push_back(folder.toStdString());
        }
    }
    m_state = std::make_shared<PolledProgress>();
    m_state->started.start();
    m_start->setEnabled(false);
    m_cancel->setEnabled(true);
    m_progress->setRange(0, 0);
    m_status->setText(tr("Opening the model and listing the images…"));
    m_timer->start();
    m_watcher.setFuture(QtConcurrent::run(
        [state = m_state, job]() { return pipeline::runBatchExplain(job, state.get()); }));
}

void BatchExplainDialog::cancel()
{
    if (m_state) {
        m_state->cancelRequested = true;
    }
}

void BatchExplainDialog::updateProgress()
{
    if (!m_state || m_state->total.load() == 0) {
        return;
    }
    m_progress->setRange(0, int(m_state->total.load()));
    m_progress->setValue(int(m_state->done.load()));
    m_status->setText(m_state->describe(tr("images")));
}

void BatchExplainDialog::onFinished()
{
    m_timer->stop();
    m_start->setEnabled(true);
    m_cancel->setEnabled(false);
    m_progress->setRange(0, 1);
    m_progress->setValue(1);
    const Result<pipeline::BatchExplainResult> result = m_watcher.result();
    m_state.reset();
    if (!result) {
        if (result.error().code == ErrorCode::Cancelled) {
            showResults(m_output->text().trimmed()); // what was done is saved
        }
        m_status->setText(QString::fromStdString(result.error().message));
        Q_EMIT finished();
        return;
    }
    fillGrid(*result);
    Q_EMIT finished();
}

bool BatchExplainDialog::showResults(const QString &folder)
{
    auto result = pipeline::readBatchResults(folder.toStdString());
    if (!result) {
        m_status->setText(QString::fromStdString(result.error().message));
        return false;
    }
    m_output->setText(folder);
    fillGrid(*result);
    return true;
}

void BatchExplainDialog::fillGrid(const pipeline::BatchExplainResult &result)
{
    m_result = result;
    std::vector<const pipeline::BatchRow *> rows;
    int failed = 0;
    for (const pipeline::BatchRow &row : result.rows) {
        if (row.error.empty()) {
            rows.push_back(&row);
        } else {
            ++failed;
        }
    }
    const bool highestFirst = m_order->currentIndex() == 0;
    std::stable_sort(rows.begin(), rows.end(),
                     [highestFirst](const pipeline::BatchRow *a, const pipeline::BatchRow *b) {
                         return highestFirst ? a->probability > b->probability
                                             : a->probability < b->probability;
                     });
    const QDir folder(QString::fromStdString(result.outputFolder.string()));
    QVector<ThumbnailModel::Tile> tiles;
    int outside = 0;
    for (const pipeline::BatchRow *row : rows) {
        outside += row->ood ? 1 : 0;
        // The overlay is what the tile shows; the image is what a double-click opens.
        const QString file = QString::fromStdString(row->file);
        tiles.append(
            {row->overlay.empty() ? file : folder.filePath(QString::fromStdString(row->overlay)),
             tileCaption(result, *row), file, row->probability});
    }
    m_tiles->setImages(tiles);
    const auto countText = [](std::size_t n, const QString &one, const QString &many) {
        return n == 1 ? one : many.arg(n);
    };
    const pipeline::PacsOutcome sent = pipeline::pacsOutcome(result);
    QString pacsNotes =
        result.sentTo.empty()
            ? QString()
            : tr("; %1 stored in %2 (%3 by this run)%4")
                  .arg(countText(std::size_t(sent.stored), tr("1 result"), tr("%1 results")))
                  .arg(QString::fromStdString(result.sentTo))
                  .arg(result.sentInThisRun)
                  .arg(sent.notSent
                           ? tr(", %1 not sent (pacs column of predictions.csv)").arg(sent.notSent)
                           : QString());
    if (result.skippedResults > 0) {
        pacsNotes += tr("; %1 of CXR Studio's left out")
                         .arg(countText(std::size_t(result.skippedResults), tr("1 result"),
                                        tr("%1 results")));
    }
    m_status->setText(
        tr("%1 by model %2 in %3%4%5%6%7")
            .arg(countText(result.rows.size(), tr("1 image"), tr("%1 images")))
            .arg(QString::fromStdString(result.modelName),
                 QString::fromStdString(result.outputFolder.string()))
            .arg(failed ? tr("; %1 could not be read (see predictions.csv)").arg(failed)
                        : QString())
            .arg(result.resumed ? tr("; %1 kept from the earlier run").arg(result.resumed)
                                : QString())
            .arg(outside ? tr("; %1 unlike the images the model was trained on (ood column)")
                               .arg(outside)
                         : QString())
            .arg(pacsNotes));
}

} // namespace cxr::ui
