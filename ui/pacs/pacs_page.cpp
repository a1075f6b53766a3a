// SPDX-License-Identifier: MIT
#include "ui/pacs/pacs_page.h"

#include "core/imaging/image_loader.h"
#include "core/imaging/thumbnail.h"
#include "core/pacs/local_store.h"
#include "core/pacs/pacs_client.h"
#include "ui/common/image_conversion.h"
#include "ui/common/polled_progress.h"
#include "ui/pacs/pacs_result_rows.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDateTime>
#include <QDir>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QSettings>
#include <QTimer>
#include <QTreeWidget>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>

namespace cxr::ui {

namespace {

constexpr int kThumbnailSide = 64;
// Matches shown at most; a larger answer is cut with C-CANCEL and the status says so.
constexpr std::size_t kMaxMatches = 500;

QString text(const std::string &value)
{
    return QString::fromStdString(value);
}

} // namespace

PacsPage::PacsPage(QWidget *parent)
    : QWidget(parent), m_store(pacsStoreFolder()), m_node(new QComboBox),
      m_echo(new QPushButton(tr("Echo"))), m_patientId(new QLineEdit), m_patientName(new QLineEdit),
      m_dateFrom(new QLineEdit), m_dateTo(new QLineEdit), m_modality(new QLineEdit),
      m_accession(new QLineEdit), m_search(new QPushButton(tr("Search"))),
      m_results(new QTreeWidget), m_open(new QPushButton(tr("Open in Viewer"))),
      m_predict(new QPushButton(tr("Predict and explain"))),
      m_sendBack(new QCheckBox(tr("Send the results back"))),
      m_cancel(new QPushButton(tr("Cancel"))), m_progress(new QProgressBar), m_status(new QLabel),
      m_timer(new QTimer(this))
{
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(buildNodeRow());
    layout->addWidget(buildQueryForm());
    layout->addWidget(m_results, 1);
    layout->addLayout(buildResultActions());
    layout->addWidget(m_status);

    connectControls();
    setNodes(loadPacsNodes(), false);
}

// The PACS to talk to, its editing buttons and Echo.
QLayout *PacsPage::buildNodeRow()
{
    auto *add = new QPushButton(tr("Add…"));
    auto *edit = new QPushButton(tr("Edit…"));
    auto *remove = new QPushButton(tr("Remove"));
    auto *nodeRow = new QHBoxLayout;
    nodeRow->addWidget(new QLabel(tr("PACS")));
    nodeRow->addWidget(m_node, 1);
    for (QPushButton *button : {add, edit, remove, m_echo}) {
        nodeRow->addWidget(button);
    }

    connect(add, &QPushButton::clicked, this, &PacsPage::addNode);
    connect(edit, &QPushButton::clicked, this, &PacsPage::editNode);
    connect(remove, &QPushButton::clicked, this, &PacsPage::removeNode);
    return nodeRow;
}

QWidget *PacsPage::buildQueryForm()
{
    m_patientName->setPlaceholderText(tr("e.g. DOE^J*"));
    m_dateFrom->setPlaceholderText(tr("YYYYMMDD"));
    m_dateTo->setPlaceholderText(tr("YYYYMMDD"));
    m_modality->setPlaceholderText(tr("e.g. CR or DX"));
    auto *query = new QFormLayout;
    auto *dates = new QHBoxLayout;
    dates->addWidget(m_dateFrom);
    dates->addWidget(new QLabel(tr("to")));
    dates->addWidget(m_dateTo);
    query->addRow(tr("Patient ID"), m_patientId);
    query->addRow(tr("Patient name"), m_patientName);
    query->addRow(tr("Study date"), dates);
    query->addRow(tr("Modality"), m_modality);
    query->addRow(tr("Accession number"), m_accession);
    query->addRow(QString(), m_search);
    auto *queryBox = new QWidget;
    queryBox->setLayout(query);
    queryBox->setMaximumWidth(640); // a form, not a banner across a wide screen

    return queryBox;
}

// The results' columns, and the actions on the selected studies with their progress.
QLayout *PacsPage::buildResultActions()
{
    m_results->setHeaderLabels({tr("Patient"), tr("Patient ID"), tr("Date"), tr("Modality"),
                                tr("Description"), tr("Accession"), tr("Images")});
    m_results->setIconSize(QSize(kThumbnailSide, kThumbnailSide));
    m_results->setSelectionMode(QAbstractItemView::ExtendedSelection); // several to predict
    m_results->header()->setSectionResizeMode(DescriptionColumn, QHeaderView::Stretch);
    m_status->setWordWrap(true);
    m_cancel->setEnabled(false);
    m_progress->setRange(0, 1);
    m_progress->setValue(0);
    m_progress->setTextVisible(false);

    // Off until the user says otherwise: storing objects in a hospital's PACS is for them to
    // choose. Remembered, like the nodes.
    m_sendBack->setToolTip(tr("Store each image's result in the PACS, in its study: a structured "
                              "report, the overlay and the map, marked for research use only"));
    m_sendBack->setChecked(QSettings().value(QStringLiteral("pacs/sendResultsBack")).toBool());
    auto *actions = new QHBoxLayout;
    actions->addWidget(m_open);
    actions->addWidget(m_predict);
    actions->addWidget(m_sendBack);
    actions->addStretch(1);
    actions->addWidget(m_progress, 1);
    actions->addWidget(m_cancel);

    return actions;
}

void PacsPage::connectControls()
{
    connect(m_echo, &QPushButton::clicked, this, &PacsPage::echoCurrentNode);
    connect(m_search, &QPushButton::clicked, this, &PacsPage::search);
    for (QLineEdit *field :
         {m_patientId, m_patientName, m_dateFrom, m_dateTo, m_modality, m_accession}) {
        connect(field, &QLineEdit::returnPressed, this, &PacsPage::search);
    }
    connect(m_open, &QPushButton::clicked, this, &PacsPage::openSelectionInViewer);
    connect(m_predict, &QPushButton::clicked, this, &PacsPage::predictSelection);
    connect(m_sendBack, &QCheckBox::toggled, this,
            [](bool send) { QSettings().setValue(QStringLiteral("pacs/sendResultsBack"), send); });
    connect(m_cancel, &QPushButton::clicked, this, &PacsPage::cancel);
    connect(m_results, &QTreeWidget::itemExpanded, this, &PacsPage::loadSeries);
    connect(m_results, &QTreeWidget::currentItemChanged, this, [this](QTreeWidgetItem *item) {
        if (item && item->data(0, LevelRole).toInt() == kSeriesLevel && item->icon(0).isNull()) {
            fetchThumbnail(item);
        }
    });
    connect(m_results, &QTreeWidget::itemDoubleClicked, this, &PacsPage::openSelectionInViewer);
    connect(m_timer, &QTimer::timeout, this, &PacsPage::updateProgress);
    connect(&m_watcher, &QFutureWatcherBase::finished, this, &PacsPage::onFinished);
    m_timer->setInterval(200);
}

PacsPage::~PacsPage()
{
    cancel();
    m_watcher.waitForFinished(); // bounded by the node's timeout
}

void PacsPage::setStoreFolder(const QString &folder)
{
    m_store = folder;
}

bool PacsPage::isBusy() const
{
    return m_watcher.isRunning();
}

QString PacsPage::statusText() const
{
    return m_status->text();
}

void PacsPage::setStatus(const QString &message, bool problem)
{
    m_status->setText(message);
    m_status->setStyleSheet(problem ? QStringLiteral("color: #b00020") : QString());
}

void PacsPage::runInBackground(const QString &what, Work work, std::function<void()> onSuccess)
{
    if (isBusy()) {
        setStatus(tr("Wait for %1 to finish, or cancel it.").arg(m_doing));
        return;
    }
    m_doing = what;
    m_onSuccess = std::move(onSuccess);
    m_state = std::make_shared<PolledProgress>();
    m_state->started.start();
    m_progress->setRange(0, 0);
    m_cancel->setEnabled(true);
    setStatus(what + QStringLiteral("…"));
    m_timer->start();
    m_watcher.setFuture(
        QtConcurrent::run([state = m_state, work = std::move(work)]() { return work(*state); }));
}

void PacsPage::updateProgress()
{
    if (!m_state || m_state->total.load() == 0) {
        return;
    }
    m_progress->setRange(0, int(m_state->total.load()));
    m_progress->setValue(int(m_state->done.load()));
    setStatus(m_doing + QStringLiteral(": ") + m_state->describe(tr("instances")));
}

void PacsPage::onFinished()
{
    m_timer->stop();
    m_cancel->setEnabled(false);
    m_progress->setRange(0, 1);
    m_progress->setValue(0);
    const Status status = m_watcher.result();
    m_state.reset();
    auto onSuccess = std::move(m_onSuccess);
    m_onSuccess = nullptr;
    if (!status) {
        setStatus(text(status.error().message), status.error().code != ErrorCode::Cancelled);
    } else {
        setStatus(m_doing + tr(": done."));
        if (onSuccess) {
            onSuccess(); // may set a more precise status
        }
    }
    Q_EMIT operationFinished();
}

void PacsPage::cancel()
{
    if (m_state) {
        m_state->cancelRequested = true;
    }
}

void PacsPage::echoCurrentNode()
{
    const auto node = currentNode();
    if (!node) {
        return setStatus(tr("Add a PACS node first."), true);
    }
    const QString name = text(pacs::describe(*node));
    runInBackground(
        tr("Echo %1").arg(name), [node = *node](PolledProgress &) { return pacs::echo(node); },
        [this, name] { setStatus(tr("%1 answered C-ECHO.").arg(name)); });
}

void PacsPage::search()
{
    const auto node = currentNode();
    if (!node) {
        return setStatus(tr("Add a PACS node first."), true);
    }
    pacs::QueryFilter filter;
    filter.patientId = m_patientId->text().trimmed().toStdString();
    filter.patientName = m_patientName->text().trimmed().toStdString();
    filter.studyDateFrom = m_dateFrom->text().trimmed().toStdString();
    filter.studyDateTo = m_dateTo->text().trimmed().toStdString();
    filter.modality = m_modality->text().trimmed().toStdString();
    filter.accessionNumber = m_accession->text().trimmed().toStdString();
    auto found = std::make_shared<pacs::QueryResult>();
    m_results->clear();
    runInBackground(
        tr("Searching %1").arg(text(pacs::describe(*node))),
        [node = *node, filter, found](PolledProgress &progress) -> Status {
            pacs::QueryOptions options;
            options.maxMatches = kMaxMatches;
            auto result = pacs::find(node, pacs::QueryLevel::Study, filter, options, &progress);
            if (!result) {
                return result.error();
            }
            *found = std::move(*result);
            return Ok{};
        },
        [this, found] {
            for (const auto &match : found->matches) {
                m_results->addTopLevelItem(studyRow(match));
            }
            for (int column = 0; column < m_results->columnCount(); ++column) {
                if (column != DescriptionColumn) {
                    m_results->resizeColumnToContents(column);
                }
            }
            setStatus(found->truncated
                          ? tr("The first %1 studies; narrow the search to see the rest.")
                                .arg(found->matches.size())
                          : tr("%n studies.", nullptr, int(found->matches.size())));
        });
}

void PacsPage::loadSeries(QTreeWidgetItem *study)
{
    const auto node = currentNode();
    if (!node || study->data(0, LevelRole).toInt() != kStudyLevel ||
        study->data(0, LoadedRole).toBool()) {
        return;
    }
    pacs::QueryFilter filter;
    filter.studyInstanceUid = study->data(0, StudyRole).toString().toStdString();
    auto found = std::make_shared<pacs::QueryResult>();
    const QString studyUid = study->data(0, StudyRole).toString();
    runInBackground(
        tr("Listing the series"),
        [node = *node, filter, found](PolledProgress &progress) -> Status {
            auto result = pacs::find(node, pacs::QueryLevel::Series, filter, {}, &progress);
            if (!result) {
                return result.error();
            }
            *found = std::move(*result);
            return Ok{};
        },
        [this, studyUid, found] {
            // The study row may be gone (a new search); find it again by its UID.
            for (int i = 0; i < m_results->topLevelItemCount(); ++i) {
                QTreeWidgetItem *study = m_results->topLevelItem(i);
                if (study->data(0, StudyRole).toString() != studyUid) {
                    continue;
                }
                study->setData(0, LoadedRole, true);
                for (const auto &m : found->matches) {
                    study->addChild(seriesRow(m, studyUid));
                }
                study->setExpanded(true);
            }
            setStatus(tr("%n series.", nullptr, int(found->matches.size())));
        });
}

void PacsPage::fetchThumbnail(QTreeWidgetItem *series)
{
    const auto node = currentNode();
    if (!node || isBusy()) {
        return; // selecting the series again fetches it
    }
    const std::string study = series->data(0, StudyRole).toString().toStdString();
    const std::string seriesUid = series->data(0, SeriesRole).toString().toStdString();
    auto thumbnail = std::make_shared<QImage>();
    const std::string store = m_store.toStdString();
    runInBackground(
        tr("Fetching a thumbnail"),
        [node = *node, study, seriesUid, store, thumbnail](PolledProgress &progress) -> Status {
            pacs::QueryFilter filter;
            filter.studyInstanceUid = study;
            filter.seriesInstanceUid = seriesUid;
            pacs::QueryOptions first;
            first.maxMatches = 1;
            auto images = pacs::find(node, pacs::QueryLevel::Image, filter, first, &progress);
            if (!images || images->matches.empty()) {
                return images ? Status(Ok{}) : Status(images.error());
            }
            const std::string instance = images->matches.front().sopInstanceUid;
            auto got = pacs::get(node, {study, seriesUid, instance}, store, &progress);
            if (!got) {
                return got.error();
            }
            auto path = pacs::instancePath(store, study, seriesUid, instance);
            if (!path) {
                return path.error();
            }
            if (auto small = imaging::loadThumbnail(*path, kThumbnailSide)) {
                *thumbnail = toQImage(*small).copy();
            }
            return Ok{};
        },
        [this, study, seriesUid, thumbnail] {
            QTreeWidgetItemIterator it(m_results);
            for (; *it; ++it) {
                if ((*it)->data(0, SeriesRole).toString().toStdString() == seriesUid &&
                    !thumbnail->isNull()) {
                    (*it)->setIcon(0, QIcon(QPixmap::fromImage(*thumbnail)));
                }
            }
            setStatus(thumbnail->isNull() ? tr("This series has no image to show.") : QString());
        });
}

void PacsPage::retrieveSelection(const QList<QTreeWidgetItem *> &items,
                                 std::function<void(const Retrieved &)> then)
{
    const auto node = currentNode();
    const std::vector<pacs::RetrieveRequest> requests = retrieveRequests(items);
    if (!node || requests.empty()) {
        return setStatus(tr("Select a study or a series first."), true);
    }
    auto retrieved = std::make_shared<Retrieved>();
    for (const pacs::RetrieveRequest &request : requests) {
        auto folder = pacs::storeFolder(m_store.toStdString(), request.studyInstanceUid,
                                        request.seriesInstanceUid);
        if (!folder) {
            return setStatus(text(folder.error().message), true);
        }
        retrieved->folders << QString::fromStdString(folder->string());
    }
    runInBackground(
        requests.size() == 1 ? tr("Retrieving")
                             : tr("Retrieving %n selections", nullptr, int(requests.size())),
        [node = *node, requests, store = m_store.toStdString(),
         retrieved](PolledProgress &progress) -> Status {
            for (const pacs::RetrieveRequest &request : requests) {
                if (auto got = pacs::get(node, request, store, &progress); !got) {
                    return got.error();
                }
            }
            // Instances kept from an earlier retrieve count too.
            for (const QString &folder : retrieved->folders) {
                std::error_code error;
                for (const auto &entry :
                     std::filesystem::recursive_directory_iterator(folder.toStdString(), error)) {
                    if (entry.is_regular_file(error) && entry.path().extension() == ".dcm") {
                        retrieved->files.push_back(entry.path());
                    }
                }
            }
            return Ok{};
        },
        [this, retrieved, then = std::move(then)] {
            setStatus(
                tr("%n instances in the local store.", nullptr, int(retrieved->files.size())));
            then(*retrieved);
        });
}

void PacsPage::openSelectionInViewer()
{
    QTreeWidgetItem *current = m_results->currentItem();
    retrieveSelection(current ? QList<QTreeWidgetItem *>{current} : QList<QTreeWidgetItem *>{},
                      [this](const Retrieved &retrieved) {
                          const QString image = firstImage(retrieved.files);
                          if (image.isEmpty()) {
                              return setStatus(
                                  tr("The selection holds no image the Viewer can show."), true);
                          }
                          Q_EMIT openImageRequested(image);
                      });
}

void PacsPage::predictSelection()
{
    // The PACS the study comes from, as the click found it: the node list stays editable while
    // the retrieve runs.
    const std::optional<pacs::PacsNode> sendTo =
        m_sendBack->isChecked() ? currentNode() : std::nullopt;
    retrieveSelection(m_results->selectedItems(), [this, sendTo](const Retrieved &retrieved) {
        // Results beside the store, in a folder named as the one selection's store folder, or
        // dated for several.
        const QDir store(m_store);
        const QString name =
            retrieved.folders.size() == 1
                ? store.relativeFilePath(retrieved.folders.front())
                : QStringLiteral("selection-") +
                      QDateTime::currentDateTime().toString(QStringLiteral("yyyyMMdd-HHmmss"));
        const QString results = QDir::cleanPath(store.filePath(QStringLiteral("../pacs-results/")) +
                                                QLatin1Char('/') + name);
        Q_EMIT predictFoldersRequested(retrieved.folders, results, sendTo);
    });
}

} // namespace cxr::ui
