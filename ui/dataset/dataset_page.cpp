// SPDX-License-Identifier: MIT
#include "ui/dataset/dataset_page.h"

#include "ui/common/settings_keys.h"

#include "core/common/allocator_tuning.h"
#include "core/common/progress.h"
#include "core/data/dataset_scanner.h"
#include "ui/common/polled_progress.h"
#include "ui/dataset/dataset_checks_panel.h"
#include "ui/dataset/dataset_plots.h"
#include "ui/dataset/thumbnail_model.h"

#include <QComboBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QListView>
#include <QListWidget>
#include <QProgressBar>
#include <QPushButton>
#include <QScrollBar>
#include <QSettings>
#include <QSplitter>
#include <QTableWidget>
#include <QTimer>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>

#include <cmath>

namespace cxr::ui {

// Written by the scan on its worker thread, read by the page's timer: no signal per file.
struct DatasetPage::ScanState : PolledProgress {};

DatasetPage::DatasetPage(QWidget *parent)
    : QWidget(parent), m_openButton(new QPushButton(tr("Open dataset folder…"))),
      m_cancelButton(new QPushButton(tr("Cancel"))), m_pathLabel(new QLabel(tr("No dataset open"))),
      m_summaryLabel(new QLabel), m_balance(new QComboBox), m_epochMix(new QLabel),
      m_progress(new QProgressBar), m_countTable(new QTableWidget), m_plots(new DatasetPlots),
      m_splitFilter(new QComboBox), m_classFilter(new QComboBox), m_sortOrder(new QComboBox),
      m_openManifestButton(new QPushButton(tr("Open manifest…"))), m_checks(new DatasetChecksPanel),
      m_grid(new QListView), m_problems(new QListWidget), m_thumbnails(new ThumbnailModel(this)),
      m_progressTimer(new QTimer(this))
{
    auto *splitter = new QSplitter;
    splitter->addWidget(buildSummaryPane());
    splitter->addWidget(buildImagesPane());
    splitter->setStretchFactor(1, 2);

    auto *layout = new QVBoxLayout(this);
    layout->addLayout(buildTopRow());
    layout->addWidget(splitter, 1);

    connectControls();
}

// Open buttons, the dataset's path, and the scan's progress with its Cancel button.
QLayout *DatasetPage::buildTopRow()
{
    auto *top = new QHBoxLayout;
    top->addWidget(m_openButton);
    top->addWidget(m_openManifestButton);
    top->addWidget(m_pathLabel, 1);
    top->addWidget(m_progress);
    top->addWidget(m_cancelButton);
    m_progress->setVisible(false);
    m_cancelButton->setVisible(false);
    m_pathLabel->setTextInteractionFlags(Qt::TextSelectableByMouse);

    return top;
}

// Counts, summary, class balancing and the mix of one epoch, checks, plots and problems.
QWidget *DatasetPage::buildSummaryPane()
{
    m_countTable->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_countTable->verticalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_summaryLabel->setWordWrap(true);

    auto *left = new QWidget;
    auto *leftLayout = new QVBoxLayout(left);
    leftLayout->setContentsMargins(0, 0, 0, 0);
    leftLayout->addWidget(new QLabel(tr("<b>Images per split and class</b>")));
    leftLayout->addWidget(m_countTable);
    leftLayout->addWidget(m_summaryLabel);
    auto *balanceRow = new QHBoxLayout;
    balanceRow->addWidget(new QLabel(tr("Class balancing for training:")));
    const QStringList balanceLabels = {tr("none"), tr("oversample minority (fresh augmentation)"),
                                       tr("weighted sampling"), tr("class-weighted loss")};
    for (const auto &[method, name] : balanceMethodNames()) {
        m_balance->addItem(balanceLabels.value(int(method), QString::fromLatin1(name)),
                           QString::fromLatin1(name));
    }
    m_balance->setCurrentIndex(
        std::max(0, m_balance->findData(QSettings().value(kBalanceSettingKey, "none"))));
    balanceRow->addWidget(m_balance, 1);
    leftLayout->addLayout(balanceRow);
    m_epochMix->setWordWrap(true);
    leftLayout->addWidget(m_epochMix);
    leftLayout->addWidget(m_checks);
    leftLayout->addWidget(m_plots, 1);
    leftLayout->addWidget(new QLabel(tr("<b>Problems</b> (files skipped by the scan)")));
    leftLayout->addWidget(m_problems);
    m_problems->setMaximumHeight(120);

    return left;
}

// The thumbnail grid with its split and class filters and sort order.
QWidget *DatasetPage::buildImagesPane()
{
    m_grid->setViewMode(QListView::IconMode);
    m_grid->setResizeMode(QListView::Adjust);
    m_grid->setMovement(QListView::Static);
    m_grid->setUniformItemSizes(true);
    m_grid->setIconSize(QSize(ThumbnailModel::kThumbnailSide, ThumbnailModel::kThumbnailSide));
    m_grid->setGridSize(
        QSize(ThumbnailModel::kThumbnailSide + 16, ThumbnailModel::kThumbnailSide + 28));
    m_grid->setTextElideMode(Qt::ElideMiddle);
    m_grid->setLayoutMode(QListView::Batched); // lays out large sets without blocking
    m_grid->setModel(m_thumbnails);

    auto *right = new QWidget;
    auto *rightLayout = new QVBoxLayout(right);
    rightLayout->setContentsMargins(0, 0, 0, 0);
    auto *filterRow = new QHBoxLayout;
    filterRow->addWidget(new QLabel(tr("Show split:")));
    filterRow->addWidget(m_splitFilter);
    filterRow->addWidget(new QLabel(tr("class:")));
    filterRow->addWidget(m_classFilter);
    filterRow->addWidget(new QLabel(tr("sort:")));
    filterRow->addWidget(m_sortOrder);
    m_sortOrder->addItems(
        {tr("split, class, path"), tr("file name"), tr("file size, largest first")});
    filterRow->addStretch();
    filterRow->addWidget(new QLabel(tr("Double-click an image to open it in the Viewer")));
    rightLayout->addLayout(filterRow);
    rightLayout->addWidget(m_grid, 1);

    return right;
}

void DatasetPage::connectControls()
{
    connect(m_openButton, &QPushButton::clicked, this, &DatasetPage::chooseFolder);
    connect(m_cancelButton, &QPushButton::clicked, this, [this] {
        if (m_scanState) {
            m_scanState->cancelRequested = true;
        }
    });
    connect(&m_scanWatcher, &QFutureWatcher<ScanOutcome>::finished, this,
            &DatasetPage::onScanFinished);
    connect(m_progressTimer, &QTimer::timeout, this, &DatasetPage::updateProgress);
    connect(m_balance, &QComboBox::currentIndexChanged, this, [this] {
        QSettings().setValue(kBalanceSettingKey, m_balance->currentData());
        showEpochMix();
    });
    connect(m_splitFilter, &QComboBox::currentIndexChanged, this, &DatasetPage::applyFilter);
    connect(m_classFilter, &QComboBox::currentIndexChanged, this, &DatasetPage::applyFilter);
    connect(m_sortOrder, &QComboBox::currentIndexChanged, this, &DatasetPage::applyFilter);
    connect(m_openManifestButton, &QPushButton::clicked, this, [this] {
        const QString csv = QFileDialog::getOpenFileName(this, tr("Open dataset manifest"),
                                                         QString(), tr("CSV manifest (*.csv)"));
        if (!csv.isEmpty()) {
            openDataset(csv);
        }
    });
    connect(m_checks, &DatasetChecksPanel::manifestCreated, this, &DatasetPage::openDataset);
    connect(m_grid, &QListView::activated, this, [this](const QModelIndex &index) {
        Q_EMIT imageActivated(index.data(ThumbnailModel::PathRole).toString());
    });
}

DatasetPage::~DatasetPage()
{
    // The scan reads only its own copies; cancel it and wait so it never outlives the page.
    if (m_scanState) {
        m_scanState->cancelRequested = true;
    }
    m_scanWatcher.waitForFinished();
}

bool DatasetPage::isScanning() const
{
    return m_scanWatcher.isRunning();
}

void DatasetPage::chooseFolder()
{
    const QString folder = QFileDialog::getExistingDirectory(this, tr("Open dataset folder"));
    if (!folder.isEmpty()) {
        openDataset(folder);
    }
}

void DatasetPage::openDataset(const QString &folder)
{
    if (isScanning()) {
        return;
    }
    m_pathLabel->setText(tr("Scanning %1…").arg(folder));
    m_progress->setVisible(true);
    m_cancelButton->setVisible(true);
    m_openButton->setEnabled(false);
    m_openManifestButton->setEnabled(false);
    // First a listing, shown at once; then every file is opened in the background.
    startWorker([path = folder.toStdString()](ScanState *state) {
        return data::scanDataset(path, state, data::ScanOptions{/*inspectFiles=*/false});
    });
}

void DatasetPage::startWorker(std::function<Result<data::DatasetIndex>(ScanState *)> work)
{
    m_scanState = std::make_shared<ScanState>();
    m_progress->setRange(0, 0);
    m_progressTimer->start(100);
    m_scanWatcher.setFuture(QtConcurrent::run([state = m_scanState, work = std::move(work)]() {
        ScanOutcome outcome;
        auto index = work(state.get());
        if (index) {
            outcome.index = std::move(*index);
        } else {
            outcome.error = QString::fromStdString(index.error().message);
        }
        return outcome;
    }));
}

void DatasetPage::updateProgress()
{
    if (!m_scanState) {
        return;
    }
    const auto total = m_scanState->total.load();
    if (total > 0) {
        m_progress->setRange(0, int(total));
        m_progress->setValue(int(m_scanState->done.load()));
    }
}

void DatasetPage::onScanFinished()
{
    ScanOutcome outcome = m_scanWatcher.result();
    m_scanState.reset();
    if (outcome.index && !outcome.index->filesInspected) {
        // The listing: show names and counts now, check the files next.
        m_index = std::make_shared<const data::DatasetIndex>(std::move(*outcome.index));
        showDataset();
        // The page's index is shared and immutable; the inspection makes the one copy that
        // becomes the checked index (capturing a copy here used to make a second).
        startWorker(
            [listed = m_index](ScanState *state) { return data::inspectDataset(*listed, state); });
        return;
    }
    m_progressTimer->stop();
    m_progress->setVisible(false);
    m_cancelButton->setVisible(false);
    m_openButton->setEnabled(true);
    m_openManifestButton->setEnabled(true);
    if (!outcome.index) {
        m_pathLabel->setText(
            m_index && !m_index->filesInspected
                ? tr("%1 (files not checked: %2)")
                      .arg(QString::fromStdString(m_index->root.string()), outcome.error)
                : tr("Could not open dataset: %1").arg(outcome.error));
        Q_EMIT scanFailed(outcome.error);
        return;
    }
    m_index = std::make_shared<const data::DatasetIndex>(std::move(*outcome.index));
    showDataset();
    releaseFreedMemory(); // the listing, scan buffers and copies are gone: give the pages back
    Q_EMIT datasetLoaded(QString::fromStdString(m_index->root.string()));
}

void DatasetPage::showDataset()
{
    const data::DatasetIndex &index = *m_index;
    m_pathLabel->setText(QString::fromStdString(index.root.string()));
    showCounts(index);
    // Sizes, formats, problems and checks need the opened files: shown once inspected.
    const bool inspected = index.filesInspected;
    m_summaryLabel->setText(
        inspected
            ? tr("%n images in %1 classes; %2 problem files.", nullptr, int(index.files.size()))
                  .arg(int(index.classes.size()))
                  .arg(index.problems.size())
            : tr("%n files in %1 classes; checking each file…", nullptr, int(index.files.size()))
                  .arg(int(index.classes.size())));
    showEpochMix();
    m_plots->setVisible(inspected);
    m_checks->setVisible(inspected);
    if (inspected) {
        m_plots->showDataset(index);
        m_checks->showDataset(m_index);
    }

    m_problems->clear();
    for (const auto &problem : index.problems) {
        m_problems->addItem(QStringLiteral("%1: %2").arg(
            QString::fromStdString(problem.path.string()), QString::fromStdString(problem.reason)));
    }

    // Keep the grid's filters and scroll position when the checked index replaces the listing.
    const int scrolled = m_grid->verticalScrollBar()->value();
    fillFilters(index);
    applyFilter();
    if (inspected && scrolled > 0) {
        QTimer::singleShot(0, m_grid, [grid = m_grid, scrolled] {
            grid->verticalScrollBar()->setValue(scrolled);
        });
    }
}

// Images per split and class, with the totals.
void DatasetPage::showCounts(const data::DatasetIndex &index)
{
    const int classCount = int(index.classes.size());
    m_countTable->clear();
    m_countTable->setRowCount(int(index.splits.size()));
    m_countTable->setColumnCount(classCount + 1);
    QStringList headers;
    for (const auto &cls : index.classes) {
        headers << QString::fromStdString(cls);
    }
    headers << tr("Total");
    m_countTable->setHorizontalHeaderLabels(headers);
    QStringList rows;
    for (int s = 0; s < int(index.splits.size()); ++s) {
        const std::string &split = index.splits[std::size_t(s)];
        rows << QString::fromStdString(split);
        for (int c = 0; c < classCount; ++c) {
            auto *item = new QTableWidgetItem(QString::number(index.count(split, c)));
            item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
            m_countTable->setItem(s, c, item);
        }
        auto *total = new QTableWidgetItem(QString::number(index.count(split)));
        total->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
        m_countTable->setItem(s, classCount, total);
    }
    m_countTable->setVerticalHeaderLabels(rows);
    m_countTable->resizeColumnsToContents();
    // Exactly as tall as its rows: no empty grey area under a three-split table.
    int height = m_countTable->horizontalHeader()->height() + 2 * m_countTable->frameWidth();
    for (int r = 0; r < m_countTable->rowCount(); ++r) {
        height += m_countTable->rowHeight(r);
    }
    m_countTable->setFixedHeight(height);
}

// The split and class filters of the grid, keeping the choices shown where they still exist.
void DatasetPage::fillFilters(const data::DatasetIndex &index)
{
    const QVariant splitShown = m_splitFilter->currentData();
    const QVariant classShown = m_classFilter->currentData();
    const QSignalBlocker splitBlocker(m_splitFilter);
    const QSignalBlocker classBlocker(m_classFilter);
    m_splitFilter->clear();
    m_splitFilter->addItem(tr("all"), QString());
    for (const auto &split : index.splits) {
        m_splitFilter->addItem(QString::fromStdString(split), QString::fromStdString(split));
    }
    if (!index.problems.empty()) {
        m_splitFilter->addItem(tr("problem files (%1)").arg(index.problems.size()),
                               ThumbnailModel::kProblemFiles);
    }
    m_classFilter->clear();
    m_classFilter->addItem(tr("all"), QString());
    for (const auto &cls : index.classes) {
        m_classFilter->addItem(QString::fromStdString(cls), QString::fromStdString(cls));
    }
    m_splitFilter->setCurrentIndex(std::max(0, m_splitFilter->findData(splitShown)));
    m_classFilter->setCurrentIndex(std::max(0, m_classFilter->findData(classShown)));
}

BalanceMethod DatasetPage::balanceMethod() const
{
    return parseBalanceMethod(m_balance->currentData().toString().toStdString())
        .value_or(BalanceMethod::None);
}

void DatasetPage::setBalanceMethod(BalanceMethod method)
{
    m_balance->setCurrentIndex(
        std::max(0, m_balance->findData(QString::fromLatin1(balanceMethodName(method)))));
}

QString DatasetPage::epochMixText() const
{
    return m_epochMix->text();
}

void DatasetPage::showEpochMix()
{
    if (!m_index) {
        m_epochMix->clear();
        return;
    }
    const std::string split = m_index->hasSplit("train") ? "train" : "all";
    std::vector<std::int64_t> counts;
    for (std::size_t label = 0; label < m_index->classes.size(); ++label) {
        counts.push_back(m_index->count(split, int(label)));
    }
    const BalanceMethod method = balanceMethod();
    const std::vector<double> mix = epochClassMix(counts, method);
    const std::vector<double> weights = lossClassWeights(counts, method);
    QStringList parts;
    double total = 0;
    for (std::size_t c = 0; c < mix.size(); ++c) {
        total += mix[c];
        QString part = QStringLiteral("%1 %2")
                           .arg(QString::fromStdString(m_index->classes[c]))
                           .arg(std::llround(mix[c]));
        if (method == BalanceMethod::ClassWeightedLoss) {
            part += tr(" (loss weight %1)").arg(weights[c], 0, 'f', 2);
        }
        parts << part;
    }
    m_epochMix->setText(tr("One training epoch (%1 split): %2; %3 images in all.")
                            .arg(QString::fromStdString(split), parts.join(QStringLiteral(", ")))
                            .arg(std::llround(total)));
}

void DatasetPage::applyFilter()
{
    if (m_index) {
        m_thumbnails->setDataset(m_index, m_splitFilter->currentData().toString(),
                                 m_classFilter->currentData().toString(),
                                 ThumbnailModel::SortOrder(m_sortOrder->currentIndex()));
    }
}

void DatasetPage::setGridFilter(const QString &split, const QString &className, int sortOrder)
{
    m_splitFilter->setCurrentIndex(std::max(0, m_splitFilter->findData(split)));
    m_classFilter->setCurrentIndex(std::max(0, m_classFilter->findData(className)));
    m_sortOrder->setCurrentIndex(sortOrder);
    applyFilter();
}

} // namespace cxr::ui
