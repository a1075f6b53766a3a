// SPDX-License-Identifier: MIT
#include "ui/training/train_page.h"

#include "ui/common/clock_text.h"
#include "ui/training/rank_processes.h"
#include "ui/training/run_history.h"
#include "ui/training/train_form.h"
#include "ui/training/training_curves.h"
#include "ui/training/training_session.h"
#include "ui/training/tune_panel.h"

#include <QCheckBox>
#include <QDir>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QLabel>
#include <QMessageBox>
#include <QProgressBar>
#include <QPushButton>
#include <QScrollArea>
#include <QSlider>
#include <QSplitter>
#include <QTabWidget>
#include <QVBoxLayout>

namespace cxr::ui {

namespace {

const QColor kOverlayColours[] = {QColor(214, 39, 40), QColor(44, 160, 44),   QColor(148, 103, 189),
                                  QColor(140, 86, 75), QColor(227, 119, 194), QColor(23, 190, 207)};

} // namespace

TrainPage::TrainPage(QWidget *parent)
    : QWidget(parent), m_form(new TrainForm), m_session(new TrainingSession(this)),
      m_ranks(new RankProcesses(this)), m_curves(new TrainingCurves), m_history(new RunHistory),
      m_tune(new TunePanel(m_form, m_session)), m_tabs(new QTabWidget), m_problem(new QLabel),
      m_status(new QLabel), m_progress(new QProgressBar), m_start(new QPushButton(tr("Start"))),
      m_pause(new QPushButton(tr("Pause"))), m_stop(new QPushButton(tr("Stop after epoch"))),
      m_abort(new QPushButton(tr("Abort"))), m_logScale(new QCheckBox(tr("Log scale"))),
      m_smoothing(new QSlider(Qt::Horizontal))
{
    setUpWidgets();
    auto *splitter = new QSplitter(Qt::Horizontal);
    splitter->addWidget(buildFormPane());
    splitter->addWidget(buildRunTabs());
    splitter->setStretchFactor(1, 1);
    splitter->setSizes({450, 900});
    auto *layout = new QHBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(splitter);
    connectButtons();
    connectSessions();
    connectTuningAndHistory();
    m_history->setRunsFolder(m_form->runsFolder());
    m_status->setText(tr("Set up a run and press Start. Past runs are listed below."));
    validate();
}

void TrainPage::setUpWidgets()
{
    m_problem->setWordWrap(true);
    m_problem->setStyleSheet(QStringLiteral("color: #b00020;"));
    m_status->setWordWrap(true);
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_stop->setToolTip(
        tr("Finish the current epoch, save its checkpoint and stop; the run can be resumed"));
    m_abort->setToolTip(
        tr("Stop now, after a checkpoint of the last finished step; the run can be resumed"));
    m_progress->setFormat(QStringLiteral("%p%"));
    m_progress->setValue(0);
    m_smoothing->setRange(0, 99);
    m_smoothing->setValue(90);
    m_smoothing->setMaximumWidth(120);
    m_smoothing->setToolTip(tr("Smoothing of the training loss (exponential moving average)"));
}

// The form in a scroll area, what blocks a start, and the run's buttons.
QWidget *TrainPage::buildFormPane()
{
    auto *scroll = new QScrollArea;
    scroll->setWidget(m_form);
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    scroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    scroll->setMinimumWidth(430);
    auto *buttons = new QHBoxLayout;
    for (QPushButton *button : {m_start, m_pause, m_stop, m_abort}) {
        buttons->addWidget(button);
    }
    auto *left = new QWidget;
    auto *leftLayout = new QVBoxLayout(left);
    leftLayout->addWidget(scroll, 1);
    leftLayout->addWidget(m_problem);
    leftLayout->addLayout(buttons);
    return left;
}

// The "Run" tab (live curves over the run history) and the "Tune" tab.
QWidget *TrainPage::buildRunTabs()
{
    auto *exportButton = new QPushButton(tr("Export…"));
    connect(exportButton, &QPushButton::clicked, this, &TrainPage::exportCurves);
    exportButton->setToolTip(tr("Save the curves as PNG or PDF, or their points as CSV"));
    auto *toolbar = new QHBoxLayout;
    toolbar->addWidget(m_progress, 1);
    toolbar->addWidget(m_logScale);
    toolbar->addWidget(new QLabel(tr("Smoothing")));
    toolbar->addWidget(m_smoothing);
    toolbar->addWidget(exportButton);
    auto *live = new QWidget;
    auto *liveLayout = new QVBoxLayout(live);
    liveLayout->setContentsMargins(0, 0, 0, 0);
    liveLayout->addLayout(toolbar);
    liveLayout->addWidget(m_status);
    liveLayout->addWidget(m_curves, 1);
    auto *right = new QSplitter(Qt::Vertical);
    right->addWidget(live);
    right->addWidget(m_history);
    right->setStretchFactor(0, 3);
    right->setStretchFactor(1, 1);
    right->setSizes({560, 300});

    m_tabs->addTab(right, tr("Run"));
    m_tabs->addTab(m_tune, tr("Tune"));
    m_tabs->setTabToolTip(1, tr("A hyper-parameter study over the form's fields"));
    return m_tabs;
}

void TrainPage::connectButtons()
{
    connect(m_form, &TrainForm::changed, this, &TrainPage::validate);
    connect(m_form, &TrainForm::previewAugmentation, this, &TrainPage::previewAugmentation);
    connect(m_start, &QPushButton::clicked, this, &TrainPage::start);
    connect(m_pause, &QPushButton::clicked, this,
            [this] { m_session->isPaused() ? m_session->resume() : m_session->pause(); });
    connect(m_stop, &QPushButton::clicked, this, [this] {
        m_session->stopAfterEpoch();
        m_status->setText(tr("Stopping after this epoch…"));
        m_stop->setEnabled(false);
    });
    connect(m_abort, &QPushButton::clicked, this, [this] {
        m_session->abort();
        m_ranks->abort();
        m_status->setText(tr("Aborting after the current step…"));
        m_abort->setEnabled(false);
    });
    connect(m_logScale, &QCheckBox::toggled, m_curves, &TrainingCurves::setLogScale);
    connect(m_smoothing, &QSlider::valueChanged, this,
            [this](int value) { m_curves->setSmoothing(value / 100.0); });
}

// A run in this process (the session) or as rank processes: both report alike.
void TrainPage::connectSessions()
{
    connect(m_session, &TrainingSession::stageChanged, this, [this](const QString &stage) {
        m_stage = m_foldPrefix + stage;
        m_status->setText(m_stage);
    });
    connect(m_ranks, &RankProcesses::stageChanged, this, [this](const QString &stage) {
        m_stage = stage;
        m_status->setText(m_stage);
    });
    connect(m_ranks, &RankProcesses::stepFinished, this, &TrainPage::onStep);
    connect(m_ranks, &RankProcesses::epochFinished, this, &TrainPage::onEpoch);
    connect(m_ranks, &RankProcesses::rankSpeed, this, [this](int rank, double imagesPerSecond) {
        if (std::size_t(rank) < m_rankSpeeds.size()) {
            m_rankSpeeds[std::size_t(rank)] = imagesPerSecond;
        }
    });
    connect(m_ranks, &RankProcesses::finished, this, &TrainPage::onFinished);
    connect(m_session, &TrainingSession::progressChanged, this, [this](qint64 done, qint64 total) {
        m_progress->setRange(0, 1000);
        m_progress->setValue(total > 0 ? int(1000 * done / total) : 0);
    });
    connect(m_session, &TrainingSession::stepFinished, this, &TrainPage::onStep);
    connect(m_session, &TrainingSession::epochFinished, this, &TrainPage::onEpoch);
    connect(m_session, &TrainingSession::pausedChanged, this, [this](bool paused) {
        m_pause->setText(paused ? tr("Resume") : tr("Pause"));
        if (paused) {
            m_status->setText(tr("Paused after step %1. Resume to continue.").arg(m_lastStep));
        }
    });
    connect(m_session, &TrainingSession::finished, this, &TrainPage::onFinished);
    connect(m_session, &TrainingSession::foldStarted, this, [this](int fold, int folds) {
        m_curves->clear(); // each fold is a run of its own
        m_lastStep = 0;
        m_foldPrefix = tr("Fold %1 of %2 · ").arg(fold).arg(folds);
        m_status->setText(m_foldPrefix);
    });
    connect(m_session, &TrainingSession::trialStarted, this, [this](int trial, int planned) {
        m_curves->clear(); // each trial is a run of its own
        m_lastStep = 0;
        m_foldPrefix = tr("Trial %1 of %2 · ").arg(trial).arg(planned);
        m_status->setText(m_foldPrefix);
    });
}

void TrainPage::connectTuningAndHistory()
{
    connect(m_tune, &TunePanel::studyStarted, this, [this] {
        m_curves->clear();
        m_foldPrefix.clear();
        m_history->setActiveRun(QString());
        updateControls();
    });
    connect(m_tune, &TunePanel::trainWithSettings, this,
            [this](const ml::TrainSettings &settings, int trial) {
                m_form->setFromRun(settings);
                m_form->suggestRunName();
                m_tabs->setCurrentIndex(0);
                m_status->setText(tr("The form holds the settings of the study's best trial "
                                     "(%1). Press Start for a final run on the train split.")
                                      .arg(trial));
                validate();
            });
    connect(m_history, &RunHistory::selectionChanged, this, &TrainPage::showSelectedRuns);
    connect(m_history, &RunHistory::resumeRequested, this, &TrainPage::resumeRun);
    connect(m_history, &RunHistory::trainLikeRequested, this, [this](const ml::RunInfo &run) {
        m_form->setFromRun(run.settings);
        validate();
    });
}

TrainPage::~TrainPage()
{
    // The session is a child and would abort in its own destructor too; stopping here, before
    // the widgets it reports to go away, keeps the order plain.
    m_session->abort();
    m_session->wait(-1);
}

void TrainPage::setTrialJobMaker(pipeline::TrialJobMaker maker)
{
    m_tune->setTrialJobMaker(std::move(maker));
}

void TrainPage::setDataset(const QString &path)
{
    m_form->setDataset(path);
}

QString TrainPage::problemText() const
{
    return m_problem->text();
}

QString TrainPage::statusText() const
{
    return m_status->text();
}

bool TrainPage::isTraining() const
{
    return m_session->isRunning() || m_ranks->isRunning();
}

bool TrainPage::stopForShutdown(int timeoutMs)
{
    m_ranks->abort();
    m_session->abort();
    return m_session->wait(timeoutMs);
}

void TrainPage::validate()
{
    const QString problem = isTraining() ? QString() : m_form->problem();
    m_problem->setText(problem);
    m_problem->setVisible(!problem.isEmpty());
    if (!isTraining() && m_history->runsFolder() != m_form->runsFolder()) {
        m_history->setRunsFolder(m_form->runsFolder());
    }
    updateControls();
}

void TrainPage::updateControls()
{
    const bool running = isTraining();
    m_start->setEnabled(!running && m_problem->text().isEmpty());
    // Pause and stop after the epoch act on one process; a run of several is aborted, and
    // resumes from the start of the epoch it was in.
    m_pause->setEnabled(running && !m_ranks->isRunning());
    m_stop->setEnabled(running && !m_ranks->isRunning());
    m_abort->setEnabled(running);
    m_form->setEnabled(!running);
    if (!running) {
        m_pause->setText(tr("Pause"));
    }
}

bool TrainPage::start()
{
    validate();
    if (isTraining() || !m_problem->text().isEmpty()) {
        return false;
    }
    m_form->remember();
    const pipeline::TrainJob job = m_form->job();
    m_curves->clear();
    m_foldPrefix.clear();
    if (m_form->folds() > 0) {
        pipeline::CrossValidationJob crossValidation;
        crossValidation.train = job;
        crossValidation.folds = m_form->folds();
        m_lastStep = 0;
        if (!m_session->startCrossValidation(crossValidation)) {
            return false;
        }
        m_status->setText(tr("Starting cross-validation in %1…")
                              .arg(QString::fromStdString(job.runDir.string())));
        updateControls();
        return true;
    }
    if (m_form->processes() > 1) {
        return launchRanks(job, m_form->processes());
    }
    return launch(job, tr("Starting %1…"));
}

bool TrainPage::launchRanks(const pipeline::TrainJob &job, int ranks)
{
    m_lastStep = 0;
    QString error;
    if (!m_ranks->start(job, ranks, &error)) {
        m_status->setText(tr("Training did not start: %1").arg(error));
        return false;
    }
    m_rankSpeeds.assign(std::size_t(ranks), 0.0);
    m_ranksTrained = true;
    m_history->setActiveRun(m_ranks->runDir());
    updateControls();
    return true;
}

bool TrainPage::resumeRun(const ml::RunInfo &run)
{
    if (isTraining()) {
        return false;
    }
    pipeline::TrainJob job;
    job.runDir = run.folder;
    job.resume = true;
    job.cacheDir = m_form->job().cacheDir;
    const ml::RunPaths paths{run.folder};
    m_curves->showRun(run, ml::readStepsCsv(paths));
    if (run.settings.worldSize > 1) { // with as many processes as it started with
        return launchRanks(job, run.settings.worldSize);
    }
    return launch(job, tr("Resuming %1…"));
}

bool TrainPage::launch(const pipeline::TrainJob &job, const QString &status)
{
    m_lastStep = 0;
    if (!m_session->start(job)) {
        return false;
    }
    const QString folder = QString::fromStdString(job.runDir.string());
    m_history->setActiveRun(folder);
    m_status->setText(status.arg(folder));
    updateControls();
    return true;
}

void TrainPage::onStep(const ml::BatchReport &report)
{
    m_lastStep = report.step;
    m_lastReport = report;
    m_curves->appendStep(report.step, report.loss, report.learningRate);
    m_progress->setRange(0, int(std::min<std::int64_t>(report.totalSteps, 1 << 30)));
    m_progress->setValue(int(report.step));
    if (m_session->isPaused()) {
        return;
    }
    double imagesPerSecond = report.imagesPerSecond;
    QString perRank;
    if (m_ranks->isRunning()) { // the run's speed is the ranks' together
        QStringList speeds;
        imagesPerSecond = 0;
        for (double speed : m_rankSpeeds) {
            speeds << QString::number(speed, 'f', 0);
            imagesPerSecond += speed;
        }
        perRank = tr(" (per rank %1)").arg(speeds.join(QStringLiteral(", ")));
    }
    QString text = tr("%1 · step %2 of %3 · %4 images/s%5 · ETA %6")
                       .arg(m_stage)
                       .arg(report.step)
                       .arg(report.totalSteps)
                       .arg(imagesPerSecond, 0, 'f', 0)
                       .arg(perRank)
                       .arg(clockText(report.etaSeconds));
    if (report.deviceMemoryMiB > 0) {
        text += tr(" · GPU memory %1 GB (peak %2 GB)")
                    .arg(report.deviceMemoryMiB / 1024.0, 0, 'f', 1)
                    .arg(report.peakDeviceMemoryMiB / 1024.0, 0, 'f', 1);
    }
    m_status->setText(text);
}

void TrainPage::onEpoch(const ml::EpochMetrics &metrics)
{
    m_curves->appendEpoch(metrics, m_lastStep);
    m_history->refresh(); // the running run's row: epochs done, best so far
}

void TrainPage::onFinished(bool succeeded, const QString &message)
{
    const QString runDir = m_ranksTrained ? m_ranks->runDir() : m_session->runDir();
    m_ranksTrained = false;
    m_session->wait(-1); // the thread is past its last report
    m_status->setText(succeeded ? message : tr("Training stopped: %1").arg(message));
    m_history->setActiveRun(QString());
    {
        // Keep the live curves (every step) rather than redraw the run from its files.
        const QSignalBlocker keepCurves(m_history);
        m_history->selectRun(runDir);
    }
    m_form->suggestRunName(); // the finished run's name is taken
    validate();
    Q_EMIT trainingFinished(succeeded, message);
}

void TrainPage::showSelectedRuns()
{
    if (isTraining()) {
        return; // the live run keeps the curves
    }
    const auto runs = m_history->selectedRuns();
    if (runs.empty()) {
        return;
    }
    m_curves->showRun(runs.front(), ml::readStepsCsv({runs.front().folder}));
    for (std::size_t i = 1; i < runs.size(); ++i) {
        m_curves->addOverlay(QString::fromStdString(runs[i].folder.filename().string()), runs[i],
                             ml::readStepsCsv({runs[i].folder}),
                             kOverlayColours[(i - 1) % std::size(kOverlayColours)]);
    }
}

void TrainPage::exportCurves()
{
    const QString file = QFileDialog::getSaveFileName(
        this, tr("Export curves"), QString(), tr("PNG image (*.png);;PDF (*.pdf);;CSV (*.csv)"));
    if (file.isEmpty()) {
        return;
    }
    const bool saved = file.endsWith(QStringLiteral(".csv"), Qt::CaseInsensitive)
                           ? m_curves->exportCsv(file)
                           : m_curves->exportImage(file);
    if (!saved) {
        QMessageBox::warning(this, tr("Export curves"), tr("Cannot write %1.").arg(file));
    }
}

} // namespace cxr::ui
