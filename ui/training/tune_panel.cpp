// SPDX-License-Identifier: MIT
#include "ui/training/tune_panel.h"

#include "core/ml/run_folder.h"
#include "core/tuning/pruner.h"
#include "core/tuning/sampler.h"
#include "ui/common/clock_text.h"
#include "ui/common/path_field.h"
#include "ui/training/train_form.h"
#include "ui/training/training_session.h"
#include "ui/training/tune_plots.h"
#include "ui/training/tune_space_table.h"

#include <QComboBox>
#include <QDateTime>
#include <QDir>
#include <QFileInfo>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QSplitter>
#include <QTableWidget>
#include <QVBoxLayout>

#include <cmath>

namespace cxr::ui {

namespace {

namespace fs = std::filesystem;

fs::path toPath(const QString &text)
{
    return fs::path(text.trimmed().toStdString());
}

QString objectiveText(const tuning::StudyRecord &study, const tuning::Trial &trial)
{
    const double score = trial.bestScore();
    return std::isfinite(score)
               ? QString::number(tuning::objectiveValue(study.settings.objective, score), 'f', 4)
               : QStringLiteral("–");
}

} // namespace

TunePanel::TunePanel(TrainForm *form, TrainingSession *session, QWidget *parent)
    : QWidget(parent), m_form(form), m_session(session), m_space(new TuneSpaceTable),
      m_trialCount(new QSpinBox), m_epochs(new QSpinBox), m_sampler(new QComboBox),
      m_pruner(new QComboBox), m_metric(new QComboBox), m_seed(new QSpinBox),
      m_studyFolder(new QLineEdit), m_problem(new QLabel), m_status(new QLabel),
      m_start(new QPushButton(tr("Start study"))), m_resume(new QPushButton(tr("Resume study"))),
      m_pause(new QPushButton(tr("Pause"))), m_cancel(new QPushButton(tr("Cancel"))),
      m_trainBest(new QPushButton(tr("Train with the best settings"))), m_trials(new QTableWidget),
      m_plots(new TunePlots)
{
    setUpFields();
    auto *splitter = new QSplitter(Qt::Vertical);
    splitter->addWidget(buildSetupPane());
    splitter->addWidget(buildResultsPane());
    splitter->setSizes({430, 470});
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(splitter);

    connectSetUp();
    connectStudy();
    suggestStudyFolder();
    refresh();
}

void TunePanel::setUpFields()
{
    m_trialCount->setRange(1, 10000);
    m_trialCount->setValue(20);
    m_epochs->setRange(1, 1000);
    m_epochs->setValue(6);
    m_epochs->setToolTip(tr("Epochs of a trial that is not stopped early"));
    m_sampler->addItem(tr("TPE (learns from the trials so far)"), QStringLiteral("tpe"));
    m_sampler->addItem(tr("Random"), QStringLiteral("random"));
    m_sampler->addItem(tr("Grid"), QStringLiteral("grid"));
    m_pruner->addItem(tr("ASHA (successive halving)"), QStringLiteral("asha"));
    m_pruner->addItem(tr("Median rule"), QStringLiteral("median"));
    m_pruner->addItem(tr("None (every trial runs all its epochs)"), QStringLiteral("none"));
    m_metric->addItem(tr("Validation AUC (higher is better)"), QStringLiteral("val_auc"));
    m_metric->addItem(tr("Validation loss (lower is better)"), QStringLiteral("val_loss"));
    m_seed->setRange(0, 1 << 30);
    m_seed->setValue(42);
    m_seed->setToolTip(tr("The sampler's seed: the same seed draws the same trials again"));
    m_studyFolder->setObjectName(QStringLiteral("studyFolder"));
    m_studyFolder->setToolTip(tr("Each trial is a run folder inside it; study.csv lists them"));
    m_problem->setWordWrap(true);
    m_problem->setStyleSheet(QStringLiteral("color: #b00020;"));
    m_problem->hide();
    m_status->setWordWrap(true);
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_trainBest->setToolTip(
        tr("Fill the form with the best complete trial's settings for a final run on the train "
           "split, validated, calibrated and thresholded on the validation split as usual"));
    m_cancel->setToolTip(tr("Stop the study now, after a checkpoint of the running trial; "
                            "Resume study continues it"));
}

// The search space beside the budget and the study's buttons, above the problem and status.
QWidget *TunePanel::buildSetupPane()
{
    auto *defaults = new QPushButton(tr("Default space"));
    defaults->setToolTip(tr("The space cxr tune searches without --space"));
    connect(defaults, &QPushButton::clicked, this, [this] {
        m_space->resetToDefault(m_form->job().settings.model.architecture == "custom-cnn");
    });
    auto *spaceBox = new QGroupBox(tr("Search space: tick a field of the form and give its range"));
    auto *spaceLayout = new QVBoxLayout(spaceBox);
    spaceLayout->addWidget(m_space);
    spaceLayout->addWidget(defaults, 0, Qt::AlignLeft);

    auto *budget = new QFormLayout;
    budget->addRow(tr("Trials"), m_trialCount);
    budget->addRow(tr("Epochs at most"), m_epochs);
    budget->addRow(tr("Sampler"), m_sampler);
    budget->addRow(tr("Stop poor trials"), m_pruner);
    budget->addRow(tr("Objective"), m_metric);
    budget->addRow(tr("Sampler seed"), m_seed);
    budget->addRow(tr("Study folder"),
                   withBrowseButton(m_studyFolder, PathKind::Folder, tr("Study folder"), this));
    auto *runButtons = new QHBoxLayout;
    for (QPushButton *button : {m_start, m_resume, m_pause, m_cancel}) {
        runButtons->addWidget(button);
    }
    auto *budgetBox = new QGroupBox(tr("Budget"));
    auto *budgetLayout = new QVBoxLayout(budgetBox);
    budgetLayout->addLayout(budget);
    budgetLayout->addLayout(runButtons);
    budgetLayout->addWidget(m_trainBest, 0, Qt::AlignLeft);
    budgetLayout->addStretch(1);
    auto *top = new QHBoxLayout;
    top->setContentsMargins(0, 0, 0, 0);
    top->addWidget(spaceBox, 3);
    top->addWidget(budgetBox, 2);
    auto *setup = new QWidget;
    auto *setupLayout = new QVBoxLayout(setup);
    setupLayout->setContentsMargins(0, 0, 0, 0);
    setupLayout->addLayout(top, 1);
    setupLayout->addWidget(m_problem);
    setupLayout->addWidget(m_status);

    return setup;
}

// The trials table beside the plots.
QWidget *TunePanel::buildResultsPane()
{
    m_trials->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_trials->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_trials->verticalHeader()->hide();
    auto *results = new QSplitter(Qt::Horizontal);
    results->addWidget(m_trials);
    results->addWidget(m_plots);
    results->setSizes({560, 440});
    return results;
}

// Changes to the space, the form and the study folder.
void TunePanel::connectSetUp()
{
    // A problem shown by a start that failed stays until the set-up changes.
    auto clearProblem = [this] {
        m_problem->clear();
        m_problem->setVisible(false);
    };
    connect(m_space, &TuneSpaceTable::spaceChanged, this, clearProblem);
    connect(m_form, &TrainForm::changed, this, [this, clearProblem] {
        if (!m_tuning && m_studyFolder->text().trimmed().isEmpty()) {
            suggestStudyFolder();
        }
        clearProblem();
        updateControls();
    });
    connect(m_studyFolder, &QLineEdit::editingFinished, this, [this, clearProblem] {
        clearProblem();
        refresh();
    });
}

// The study's buttons and the session that runs its trials.
void TunePanel::connectStudy()
{
    connect(m_start, &QPushButton::clicked, this, &TunePanel::startStudy);
    connect(m_resume, &QPushButton::clicked, this, &TunePanel::resumeStudy);
    connect(m_pause, &QPushButton::clicked, this,
            [this] { m_session->isPaused() ? m_session->resume() : m_session->pause(); });
    connect(m_cancel, &QPushButton::clicked, this, [this] {
        m_session->abort();
        m_status->setText(tr("Cancelling after the current step…"));
        m_cancel->setEnabled(false);
    });
    connect(m_trainBest, &QPushButton::clicked, this, &TunePanel::trainBest);
    connect(m_session, &TrainingSession::pausedChanged, this,
            [this](bool paused) { m_pause->setText(paused ? tr("Resume") : tr("Pause")); });
    connect(m_session, &TrainingSession::trialStarted, this, [this](int trial, int planned) {
        if (m_tuning) {
            m_status->setText(tr("Trial %1 of %2 is training; its curves are on the Run tab.")
                                  .arg(trial)
                                  .arg(planned));
            refresh();
        }
    });
    // study.json is rewritten after every epoch and when a trial ends.
    auto refreshWhileTuning = [this] {
        if (m_tuning) {
            refresh();
        }
    };
    connect(m_session, &TrainingSession::trialFinished, this, refreshWhileTuning);
    connect(m_session, &TrainingSession::epochFinished, this, refreshWhileTuning);
    connect(m_session, &TrainingSession::finished, this,
            [this](bool succeeded, const QString &message) {
                if (!m_tuning) {
                    return;
                }
                m_session->wait(-1);
                m_tuning = false;
                m_status->setText(succeeded ? message : tr("Study stopped: %1").arg(message));
                refresh();
            });
}

QString TunePanel::problemText() const
{
    return m_problem->text();
}

QString TunePanel::statusText() const
{
    return m_status->text();
}

void TunePanel::suggestStudyFolder()
{
    const QString runs = m_form->runsFolder();
    if (!runs.isEmpty()) {
        m_studyFolder->setText(QDir(runs).filePath(
            QStringLiteral("study-%1")
                .arg(QDateTime::currentDateTime().toString(QStringLiteral("yyyyMMdd-HHmmss")))));
    }
}

Result<tuning::StudySettings> TunePanel::newStudySettings() const
{
    auto fail = [](const QString &text) {
        return makeError(ErrorCode::InvalidArgument, text.toStdString());
    };
    if (const QString problem = m_form->problem(); !problem.isEmpty()) {
        return fail(tr("The form: %1").arg(problem));
    }
    auto space = m_space->space();
    if (!space) {
        return space.error();
    }
    const pipeline::TrainJob base = m_form->job();
    const bool customCnn = base.settings.model.architecture == "custom-cnn";
    for (const QString &option : m_space->searchedOptions()) {
        if (option.startsWith(QStringLiteral("custom-")) && !customCnn) {
            return fail(tr("The custom CNN rows apply to the custom-cnn model only; the form's "
                           "model is %1.")
                            .arg(QString::fromStdString(base.settings.model.architecture)));
        }
    }
    const QString folder = m_studyFolder->text().trimmed();
    if (folder.isEmpty()) {
        return fail(tr("Choose a study folder."));
    }
    if (QFileInfo::exists(QDir(folder).filePath(QStringLiteral("study.json")))) {
        return fail(tr("%1 already holds a study: Resume study continues it, or choose another "
                       "folder.")
                        .arg(folder));
    }
    tuning::StudySettings s;
    s.dataset = base.datasetDir.string();
    s.space = std::move(*space);
    s.sampler = m_sampler->currentData().toString().toStdString();
    s.pruner = m_pruner->currentData().toString().toStdString();
    s.objective = *tuning::parseObjective(m_metric->currentData().toString().toStdString());
    s.trials = m_trialCount->value();
    s.seed = std::uint64_t(m_seed->value());
    s.baseSettings = ml::trainSettingsText(base.settings);
    // What a run job holds beside its settings, as the train options that set it.
    s.trainArguments = {"--epochs=" + std::to_string(m_epochs->value())};
    s.trainArguments.push_back(base.cacheDir.empty() ? "--no-cache"
                                                     : "--cache-dir=" + base.cacheDir.string());
    if (base.badImages == pipeline::BadImages::Skip) {
        s.trainArguments.push_back("--skip-bad-images");
    }
    return s;
}

bool TunePanel::startStudy()
{
    if (m_session->isRunning()) {
        return false;
    }
    auto settings = newStudySettings();
    if (settings && !m_makeTrialJob) {
        settings = makeError(ErrorCode::Unsupported, "this build cannot make study trials");
    }
    if (settings) {
        // Every field must make a valid run: the first trial's values are tried now, so that a
        // bad range fails here rather than as a failed trial.
        auto sampler = tuning::makeSampler(settings->sampler, settings->space, settings->seed);
        auto trial = sampler ? m_makeTrialJob(*settings, (*sampler)->sample(1, {}))
                             : Result<pipeline::TrainJob>(sampler.error());
        if (!trial) {
            settings = trial.error();
        }
    }
    if (!settings) {
        m_problem->setText(QString::fromStdString(settings.error().message));
        m_problem->setVisible(true);
        return false;
    }
    m_form->remember();
    pipeline::TuningJob job;
    job.studyDir = toPath(m_studyFolder->text());
    job.settings = *settings;
    return launch(job, tr("Starting the study in %1…"));
}

bool TunePanel::resumeStudy()
{
    if (m_session->isRunning()) {
        return false;
    }
    const fs::path folder = toPath(m_studyFolder->text());
    auto study = tuning::readStudy(folder);
    if (!study || !m_makeTrialJob) {
        m_problem->setText(study ? tr("This build cannot make study trials.")
                                 : QString::fromStdString(study.error().message));
        m_problem->setVisible(true);
        return false;
    }
    pipeline::TuningJob job;
    job.studyDir = folder;
    job.resume = true;
    return launch(job, tr("Resuming the study in %1…"));
}

bool TunePanel::launch(const pipeline::TuningJob &job, const QString &status)
{
    if (!m_session->startTuning(job, m_makeTrialJob)) {
        return false;
    }
    m_tuning = true;
    m_problem->clear();
    m_problem->setVisible(false);
    m_status->setText(status.arg(QString::fromStdString(job.studyDir.string())));
    Q_EMIT studyStarted();
    updateControls();
    return true;
}

void TunePanel::refresh()
{
    auto study = tuning::readStudy(toPath(m_studyFolder->text()));
    m_study = study ? std::move(*study) : tuning::StudyRecord{};
    if (study && !m_tuning) {
        showSettings(m_study.settings); // a study opened from its folder: how it was set up
    }
    showTrials();
    if (m_study.trials.empty()) {
        m_plots->clear();
    } else {
        m_plots->showStudy(m_study);
    }
    updateControls();
}

void TunePanel::showSettings(const tuning::StudySettings &s)
{
    m_space->showSpace(s.space);
    m_trialCount->setValue(s.trials);
    m_seed->setValue(int(s.seed));
    m_sampler->setCurrentIndex(std::max(0, m_sampler->findData(QString::fromStdString(s.sampler))));
    m_pruner->setCurrentIndex(std::max(0, m_pruner->findData(QString::fromStdString(s.pruner))));
    m_metric->setCurrentIndex(
        std::max(0, m_metric->findData(QString::fromLatin1(tuning::objectiveName(s.objective)))));
    for (const std::string &argument : s.trainArguments) {
        if (argument.rfind("--epochs=", 0) == 0) {
            m_epochs->setValue(std::atoi(argument.c_str() + 9));
        }
    }
}

void TunePanel::showTrials()
{
    const auto &params = m_study.settings.space.params;
    QStringList headers = {tr("Trial"),      tr("State"),  tr("Objective"),
                           tr("Best epoch"), tr("Epochs"), tr("Time")};
    for (const auto &spec : params) {
        headers << QString::fromStdString(spec.name);
    }
    m_trials->clear();
    m_trials->setColumnCount(int(headers.size()));
    m_trials->setHorizontalHeaderLabels(headers);
    m_trials->setRowCount(int(m_study.trials.size()));
    const auto best = tuning::bestTrial(m_study);
    for (std::size_t row = 0; row < m_study.trials.size(); ++row) {
        const tuning::Trial &trial = m_study.trials[row];
        const double score = trial.bestScore();
        int bestEpoch = 0;
        for (std::size_t i = 0; i < trial.scores.size(); ++i) {
            bestEpoch = trial.scores[i] == score ? int(i) + 1 : bestEpoch;
        }
        QStringList cells = {QString::number(trial.number),
                             QString::fromLatin1(tuning::trialStateName(trial.state)),
                             objectiveText(m_study, trial),
                             bestEpoch ? QString::number(bestEpoch) : QStringLiteral("–"),
                             QString::number(trial.scores.size()),
                             clockText(trial.seconds)};
        for (const auto &spec : params) {
            cells << QString::fromStdString(tuning::valueOf(trial.params, spec.name));
        }
        for (int column = 0; column < cells.size(); ++column) {
            auto *item = new QTableWidgetItem(cells[column]);
            if (best && *best == row) {
                QFont font = item->font();
                font.setBold(true);
                item->setFont(font);
            }
            if (column == 1 && !trial.error.empty()) {
                item->setToolTip(QString::fromStdString(trial.error));
            }
            m_trials->setItem(int(row), column, item);
        }
    }
    m_trials->resizeColumnsToContents();
}

void TunePanel::updateControls()
{
    const bool running = m_session->isRunning();
    const bool tuningHere = running && m_tuning;
    const bool hasStudy = !m_study.settings.space.params.empty();
    m_start->setEnabled(!running);
    m_resume->setEnabled(!running && hasStudy);
    m_pause->setEnabled(tuningHere);
    m_cancel->setEnabled(tuningHere);
    m_trainBest->setEnabled(!running && tuning::bestTrial(m_study).has_value());
    for (QWidget *field :
         std::initializer_list<QWidget *>{m_space, m_trialCount, m_epochs, m_sampler, m_pruner,
                                          m_metric, m_seed, m_studyFolder}) {
        field->setEnabled(!running);
    }
    if (!running) {
        m_pause->setText(tr("Pause"));
    }
}

void TunePanel::trainBest()
{
    const auto best = tuning::bestTrial(m_study);
    if (!best) {
        return;
    }
    const int number = m_study.trials[*best].number;
    const fs::path run = tuning::trialRunDir(toPath(m_studyFolder->text()), number);
    auto settings = ml::readRunConfig(ml::RunPaths{run});
    if (!settings) {
        m_problem->setText(QString::fromStdString(settings.error().message));
        m_problem->setVisible(true);
        return;
    }
    m_status->setText(tr("The form now holds trial %1's settings: press Start on the Run tab "
                         "for a final run on the train split.")
                          .arg(number));
    Q_EMIT trainWithSettings(*settings, number);
}

} // namespace cxr::ui
