// SPDX-License-Identifier: MIT
#include "ui/training/train_form.h"

#include "ui/common/scientific_spin_box.h"
#include "ui/common/settings_keys.h"

#include "core/augment/augmentation_settings.h"
#include "core/augment/class_balance.h"
#include "core/data/dataset_scanner.h"
#include "core/data/dataset_statistics.h"
#include "core/data/leakage_check.h"
#include "core/data/tensor_cache.h"
#include "core/ml/device.h"
#include "core/ml/lr_schedule.h"
#include "core/ml/run_folder.h"
#include "core/ml/training_recipe.h"
#include "ui/common/path_field.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDateTime>
#include <QDir>
#include <QDoubleSpinBox>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSettings>
#include <QSpinBox>

#include <QtConcurrent/QtConcurrentRun>
#include <algorithm>

namespace cxr::ui {

namespace {

QString defaultRunsFolder()
{
    return QDir::home().filePath(QStringLiteral("CXR Studio runs"));
}

QDoubleSpinBox *decimalSpin(double low, double high, double step, int decimals)
{
    auto *spin = new QDoubleSpinBox;
    spin->setRange(low, high);
    spin->setSingleStep(step);
    spin->setDecimals(decimals);
    return spin;
}

QDoubleSpinBox *rateSpin(double low, double high, double step)
{
    auto *spin = new ScientificSpinBox;
    spin->setRange(low, high);
    spin->setSingleStep(step);
    return spin;
}

QSpinBox *integerSpin(int low, int high)
{
    auto *spin = new QSpinBox;
    spin->setRange(low, high);
    return spin;
}

} // namespace

TrainForm::TrainForm(QWidget *parent)
    : QWidget(parent), m_dataset(new QLineEdit), m_runsFolder(new QLineEdit),
      m_runName(new QLineEdit), m_model(new QComboBox), m_inputSize(new QSpinBox),
      m_channels(new QComboBox), m_inputLevels(new QComboBox), m_pretrained(new QLineEdit),
      m_freezeFeatures(new QCheckBox(tr("Train the head only"))), m_optimizer(new QComboBox),
      m_learningRate(rateSpin(0.000001, 1, 0.0001)), m_weightDecay(rateSpin(0, 0.5, 0.0001)),
      m_schedule(new QComboBox), m_epochs(new QSpinBox), m_batch(new QSpinBox),
      m_earlyStop(new QSpinBox), m_balance(new QComboBox), m_augmentation(new QComboBox),
      m_device(new QComboBox), m_precision(new QComboBox), m_seed(new QSpinBox),
      m_deterministic(new QCheckBox(tr("Deterministic"))), m_recipe(new QComboBox),
      m_labelSmoothing(decimalSpin(0, 0.45, 0.01, 2)), m_mixup(decimalSpin(0, 4, 0.05, 2)),
      m_weightAverage(decimalSpin(0, 0.9999, 0.0005, 4)), m_selectBy(new QComboBox),
      m_operatingPoint(new QComboBox), m_checkpointMinutes(new QDoubleSpinBox),
      m_folds(new QSpinBox), m_processes(new QSpinBox),
      m_syncBatchNorm(new QCheckBox(tr("Batch norm over all processes' images"))),
      m_momentum(decimalSpin(0, 0.99, 0.01, 3)), m_nesterov(new QCheckBox(tr("Nesterov momentum"))),
      m_plateauFactor(decimalSpin(0.01, 0.99, 0.05, 2)), m_plateauPatience(integerSpin(0, 100)),
      m_plateauCooldown(integerSpin(0, 100)), m_minLr(rateSpin(0, 0.1, 0.000001)),
      m_stepEpochs(integerSpin(1, 1000)), m_stepGamma(decimalSpin(0.01, 0.99, 0.05, 2)),
      m_warmupEpochs(integerSpin(0, 100)), m_splitCheckLabel(new QLabel)
{
    fillChoices();
    fillDeviceChoices();
    configureFields();
    layOutRows();
    nameFields();
    restore();
    showRelevantRows();
    connectFields();
}

ml::TrainSettings TrainForm::settings() const
{
    ml::TrainSettings s;
    s.model.architecture = m_model->currentText().toStdString();
    s.model.inputSize = m_inputSize->value();
    s.model.channels = m_channels->currentData().toInt();
    s.model.normalisation = m_inputLevels->currentData().toString().toStdString();
    s.pretrainedWeights = m_pretrained->text().trimmed().toStdString();
    s.freezeFeatures = m_freezeFeatures->isChecked();
    s.optimizer.kind = ml::parseOptimizer(m_optimizer->currentData().toString().toStdString())
                           .value_or(ml::OptimizerKind::Adam);
    s.learningRate = m_learningRate->value();
    s.optimizer.weightDecay = m_weightDecay->value();
    s.optimizer.momentum = m_momentum->value();
    s.optimizer.nesterov = m_nesterov->isChecked() && s.optimizer.kind == ml::OptimizerKind::Sgd;
    s.schedule.kind = ml::parseSchedule(m_schedule->currentData().toString().toStdString())
                          .value_or(ml::ScheduleKind::Constant);
    s.schedule.factor = m_plateauFactor->value();
    s.schedule.patience = m_plateauPatience->value();
    s.schedule.cooldown = m_plateauCooldown->value();
    s.schedule.minLr = m_minLr->value();
    s.schedule.stepEpochs = m_stepEpochs->value();
    s.schedule.gamma = m_stepGamma->value();
    s.schedule.warmupEpochs = m_warmupEpochs->value();
    s.epochs = m_epochs->value();
    s.batchSize = m_batch->value();
    s.earlyStopping.patience = m_earlyStop->value();
    s.balance = parseBalanceMethod(m_balance->currentData().toString().toStdString())
                    .value_or(BalanceMethod::None);
    augmentationPreset(m_augmentation->currentData().toString().toStdString(), s.augmentation);
    s.device = m_device->currentData().toString().toStdString();
    s.precision = ml::parsePrecision(m_precision->currentData().toString().toStdString())
                      .value_or(ml::Precision::Auto);
    s.seed = std::uint64_t(m_seed->value());
    s.deterministic = m_deterministic->isChecked();
    s.syncBatchNorm = m_syncBatchNorm->isChecked();
    s.checkpointMinutes = m_checkpointMinutes->value();
    // Every step in steps.csv, so that a past run's curves redraw as finely as they were
    // watched (about 40 bytes a step).
    s.logEverySteps = 1;
    s.labelSmoothing = m_labelSmoothing->value();
    s.emaDecay = m_weightAverage->value();
    s.mixupAlpha = m_mixup->value();
    s.selectByAuc = m_selectBy->currentData().toString() == QLatin1String("auc");
    // The list holds only rules that parse.
    if (auto rule =
            ml::parseOperatingPoint(m_operatingPoint->currentData().toString().toStdString())) {
        s.operatingPoint = *rule;
    }
    return s;
}

bool TrainForm::applyRecipe(const QString &name)
{
    const auto recipe = ml::trainingRecipe(name.toStdString(), settings());
    if (!recipe) {
        return false;
    }
    const QString dataset = m_dataset->text();
    setFromRun(*recipe);
    m_dataset->setText(dataset); // a recipe knows no dataset
    m_recipe->setCurrentIndex(m_recipe->findData(name));
    return true;
}

pipeline::TrainJob TrainForm::job() const
{
    pipeline::TrainJob job;
    job.datasetDir = m_dataset->text().trimmed().toStdString();
    job.runDir =
        QDir(m_runsFolder->text().trimmed()).filePath(m_runName->text().trimmed()).toStdString();
    job.settings = settings();
    job.cacheDir = data::defaultCacheDir();
    return job;
}

int TrainForm::folds() const
{
    return m_folds->value() > 1 ? m_folds->value() : 0;
}

void TrainForm::setFolds(int folds)
{
    m_folds->setValue(std::max(1, folds));
}

int TrainForm::processes() const
{
    return m_processes->value();
}

void TrainForm::setProcesses(int processes)
{
    m_processes->setValue(std::max(1, processes));
}

QString TrainForm::problem() const
{
    const QString dataset = m_dataset->text().trimmed();
    if (dataset.isEmpty()) {
        return tr("Choose a dataset (a folder with train/ and val/, or a manifest).");
    }
    if (!QFileInfo::exists(dataset)) {
        return tr("Dataset: %1 does not exist.").arg(dataset);
    }
    if (m_splitCheck.path == dataset && !m_splitCheck.problem.isEmpty()) {
        return m_splitCheck.problem;
    }
    if (m_runsFolder->text().trimmed().isEmpty()) {
        return tr("Choose a runs folder.");
    }
    const QString name = m_runName->text().trimmed();
    if (name.isEmpty() || name.contains(QLatin1Char('/')) || name.contains(QLatin1Char('\\'))) {
        return tr("Run name: give a name without slashes.");
    }
    const QDir run(QDir(m_runsFolder->text().trimmed()).filePath(name));
    if (run.exists() && !run.isEmpty()) {
        return tr("Run name: %1 already holds a run; choose another name.").arg(run.path());
    }
    const QString pretrained = m_pretrained->text().trimmed();
    if (!pretrained.isEmpty() && !QFileInfo(pretrained).isFile()) {
        return tr("Pretrained weights: %1 is not a file.").arg(pretrained);
    }
    const ml::TrainSettings s = settings();
    if (s.device == "cpu" && ml::isMixedPrecision(s.precision)) {
        return tr(
            "Precision: mixed precision runs on a GPU only; choose automatic or fp32 for the CPU.");
    }
    if (const std::string reason = ml::validateSettings(s); !reason.empty()) {
        QString text = QString::fromStdString(reason);
        text[0] = text[0].toUpper();
        return text + QLatin1Char('.');
    }
    if (processes() > 1 && folds() > 0) {
        return tr("Data-parallel: cross-validation trains its folds in one process; set one "
                  "of the two back.");
    }
    return {};
}

void TrainForm::setDataset(const QString &path)
{
    m_dataset->setText(path);
}

void TrainForm::setRunsFolder(const QString &path)
{
    m_runsFolder->setText(path);
    suggestRunName();
}

QString TrainForm::runsFolder() const
{
    return m_runsFolder->text().trimmed();
}

void TrainForm::setRunName(const QString &name)
{
    m_runName->setText(name);
}

void TrainForm::setEpochs(int epochs)
{
    m_epochs->setValue(epochs);
}

void TrainForm::setInputSize(int pixels)
{
    m_inputSize->setValue(pixels);
}

void TrainForm::setModel(const QString &architecture)
{
    m_model->setCurrentText(architecture);
}

void TrainForm::setFromRun(const ml::TrainSettings &s)
{
    m_dataset->setText(QString::fromStdString(s.datasetPath));
    m_model->setCurrentText(QString::fromStdString(s.model.architecture));
    m_inputSize->setValue(s.model.inputSize);
    m_channels->setCurrentIndex(m_channels->findData(s.model.channels));
    m_inputLevels->setCurrentIndex(
        m_inputLevels->findData(QString::fromStdString(s.model.normalisation)));
    m_pretrained->setText(QString::fromStdString(s.pretrainedWeights));
    m_freezeFeatures->setChecked(s.freezeFeatures);
    m_optimizer->setCurrentIndex(
        m_optimizer->findData(QString::fromLatin1(ml::optimizerName(s.optimizer.kind))));
    m_learningRate->setValue(s.learningRate);
    m_weightDecay->setValue(s.optimizer.weightDecay);
    m_momentum->setValue(s.optimizer.momentum);
    m_nesterov->setChecked(s.optimizer.nesterov);
    m_schedule->setCurrentIndex(
        m_schedule->findData(QString::fromLatin1(ml::scheduleName(s.schedule.kind))));
    m_plateauFactor->setValue(s.schedule.factor);
    m_plateauPatience->setValue(s.schedule.patience);
    m_plateauCooldown->setValue(s.schedule.cooldown);
    m_minLr->setValue(s.schedule.minLr);
    m_stepEpochs->setValue(s.schedule.stepEpochs);
    m_stepGamma->setValue(s.schedule.gamma);
    m_warmupEpochs->setValue(s.schedule.warmupEpochs);
    m_epochs->setValue(s.epochs);
    m_batch->setValue(s.batchSize);
    m_earlyStop->setValue(s.earlyStopping.patience);
    m_balance->setCurrentIndex(
        m_balance->findData(QString::fromLatin1(balanceMethodName(s.balance))));
    // A run's augmentation is a preset or a custom set; custom sets show as "none" here.
    int preset = 0;
    for (const std::string &name : augmentationPresetNames()) {
        AugmentationSettings candidate;
        augmentationPreset(name, candidate);
        if (sameAugmentation(candidate, s.augmentation)) {
            preset = m_augmentation->findData(QString::fromStdString(name));
        }
    }
    m_augmentation->setCurrentIndex(preset);
    const int device = m_device->findData(QString::fromStdString(s.device));
    m_device->setCurrentIndex(device >= 0 ? device : 0);
    m_precision->setCurrentIndex(
        m_precision->findData(QString::fromLatin1(ml::precisionName(s.precision))));
    m_seed->setValue(int(s.seed));
    m_deterministic->setChecked(s.deterministic);
    m_syncBatchNorm->setChecked(s.syncBatchNorm);
    m_checkpointMinutes->setValue(s.checkpointMinutes);
    m_labelSmoothing->setValue(s.labelSmoothing);
    m_weightAverage->setValue(s.emaDecay);
    m_mixup->setValue(s.mixupAlpha);
    m_selectBy->setCurrentIndex(s.selectByAuc ? 1 : 0);
    const int rule = m_operatingPoint->findData(
        QString::fromStdString(ml::operatingPointSpec(s.operatingPoint)));
    if (rule < 0) { // a rule typed on the command line: shown as it is
        m_operatingPoint->addItem(QString::fromStdString(ml::operatingPointSpec(s.operatingPoint)),
                                  QString::fromStdString(ml::operatingPointSpec(s.operatingPoint)));
    }
    m_operatingPoint->setCurrentIndex(m_operatingPoint->findData(
        QString::fromStdString(ml::operatingPointSpec(s.operatingPoint))));
    m_recipe->setCurrentIndex(0);
    suggestRunName();
}

void TrainForm::suggestRunName()
{
    m_runName->setText(m_model->currentText() + QLatin1Char('-') +
                       QDateTime::currentDateTime().toString(QStringLiteral("yyyyMMdd-HHmmss")));
}

// The form's settings are remembered as the run configuration's own JSON (one mapping,
// settings() and setFromRun, instead of a key per field); the dataset and runs folder beside it.
void TrainForm::remember() const
{
    QSettings settings;
    settings.beginGroup(QStringLiteral("train"));
    settings.setValue(QStringLiteral("dataset"), m_dataset->text());
    settings.setValue(QStringLiteral("runsFolder"), m_runsFolder->text());
    settings.setValue(QStringLiteral("settings"),
                      QString::fromStdString(ml::trainSettingsText(this->settings())));
    settings.endGroup();
    settings.setValue(kBalanceSettingKey, m_balance->currentData());
}

void TrainForm::restore()
{
    QSettings settings;
    settings.beginGroup(QStringLiteral("train"));
    const QString dataset = settings.value(QStringLiteral("dataset")).toString();
    const QString runsFolder =
        settings.value(QStringLiteral("runsFolder"), defaultRunsFolder()).toString();
    // Missing (a first start) or unreadable: the recommended recipe.
    auto remembered = ml::parseTrainSettings(
        settings.value(QStringLiteral("settings")).toString().toStdString(), "remembered form");
    settings.endGroup();
    const bool firstTime = !remembered;
    if (remembered) {
        setFromRun(*remembered);
    }
    m_dataset->setText(dataset);
    m_runsFolder->setText(runsFolder);
    // The Dataset page may have changed the balancing since.
    const int balance = m_balance->findData(settings.value(kBalanceSettingKey));
    if (balance >= 0) {
        m_balance->setCurrentIndex(balance);
    }
    if (firstTime) {
        applyRecipe(QStringLiteral("recommended")); // the default for real work
    }
    suggestRunName();
}

} // namespace cxr::ui

namespace cxr::ui {

QString TrainForm::splitCheck() const
{
    return m_splitCheckLabel->text();
}

// The split check of the Dataset page, in brief: image counts per split and class (names only,
// as fast as a directory listing) and what would spoil training.
void TrainForm::checkDataset()
{
    const QString path = m_dataset->text().trimmed();
    if (path.isEmpty()) {
        m_splitCheckLabel->clear();
        return;
    }
    if (m_scan.isRunning()) {
        m_scanDelay.start(); // check the latest path once this scan is done
        return;
    }
    m_splitCheckLabel->setText(tr("Checking the dataset…"));
    m_checking = true;
    m_scan.setFuture(QtConcurrent::run([path]() {
        SplitCheck check;
        check.path = path;
        data::ScanOptions options;
        options.inspectFiles = false;
        auto index = data::scanDataset(path.toStdString(), nullptr, options);
        if (!index) {
            check.problem = tr("Dataset: %1").arg(QString::fromStdString(index.error().message));
            check.text = QStringLiteral("<span style='color:#b00020'>%1</span>")
                             .arg(check.problem.toHtmlEscaped());
            return check;
        }
        const data::DatasetStatistics statistics = data::computeStatistics(*index);
        QStringList lines;
        QStringList warnings;
        for (const data::SplitStatistics &split : statistics.splits) {
            QStringList counts;
            for (std::size_t c = 0; c < split.counts.size(); ++c) {
                counts << QStringLiteral("%1 %2")
                              .arg(split.counts[c])
                              .arg(QString::fromStdString(index->classes[c]));
            }
            const QString name = QString::fromStdString(split.split);
            lines << QStringLiteral("<b>%1</b>: %2").arg(name, counts.join(QStringLiteral(", ")));
            if (split.split == "train" && split.imbalanceRatio >= data::kImbalanceWarningRatio) {
                warnings << tr("training classes are imbalanced %1:1; consider balancing")
                                .arg(split.imbalanceRatio, 0, 'f', 1);
            }
            if (split.split == "val") {
                for (std::size_t c = 0; c < split.counts.size(); ++c) {
                    if (split.counts[c] < data::kMinValidationPerClass) {
                        warnings << tr("validation has only %1 %2 images; carve a larger split on "
                                       "the Dataset page")
                                        .arg(split.counts[c])
                                        .arg(QString::fromStdString(index->classes[c]));
                    }
                }
            }
        }
        if (!index->hasSplit("train") || !index->hasSplit("val")) {
            check.problem = tr("Dataset: training needs a train and a val split; carve a "
                               "validation split on the Dataset page.");
        }
        if (index->hasSplit("test")) {
            lines.back() += tr(" (never used for training)");
        }
        check.text = lines.join(QStringLiteral("<br>"));
        for (const QString &warning : warnings) {
            check.text += QStringLiteral("<br><span style='color:#9a5b00'>⚠ %1</span>")
                              .arg(warning.toHtmlEscaped());
        }
        if (!check.problem.isEmpty()) {
            check.text += QStringLiteral("<br><span style='color:#b00020'>%1</span>")
                              .arg(check.problem.toHtmlEscaped());
        }
        return check;
    }));
}

void TrainForm::onDatasetChecked()
{
    m_splitCheck = m_scan.result();
    m_checking = false;
    if (m_splitCheck.path != m_dataset->text().trimmed()) {
        m_scanDelay.start(); // the field changed meanwhile
        return;
    }
    m_splitCheckLabel->setText(m_splitCheck.text);
    Q_EMIT changed();
}

} // namespace cxr::ui
