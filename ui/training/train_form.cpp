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
      m_channels(new QComboBox), m_pretrained(new QLineEdit),
      m_freezeFeatures(new QCheckBox(tr("Train the head only"))), m_optimizer(new QComboBox),
      m_learningRate(rateSpin(0.000001, 1, 0.0001)), m_weightDecay(rateSpin(0, 0.5, 0.0001)),
      m_schedule(new QComboBox), m_epochs(new QSpinBox), m_batch(new QSpinBox),
      m_earlyStop(new QSpinBox), m_balance(new QComboBox), m_augmentation(new QComboBox),
      m_device(new QComboBox), m_precision(new QComboBox), m_seed(new QSpinBox),
      m_deterministic(new QCheckBox(tr("Deterministic"))), m_recipe(new QComboBox),
      m_labelSmoothing(decimalSpin(0, 0.45, 0.01, 2)), m_mixup(decimalSpin(0, 4, 0.05, 2)),
      m_weightAverage(decimalSpin(0, 0.9999, 0.0005, 4)), m_selectBy(new QComboBox),
      m_operatingPoint(new QComboBox), m_checkpointMinutes(new QDoubleSpinBox),
      m_momentum(decimalSpin(0, 0.99, 0.01, 3)), m_nesterov(new QCheckBox(tr("Nesterov momentum"))),
      m_plateauFactor(decimalSpin(0.01, 0.99, 0.05, 2)), m_plateauPatience(integerSpin(0, 100)),
      m_plateauCooldown(integerSpin(0, 100)), m_minLr(rateSpin(0, 0.1, 0.000001)),
      m_stepEpochs(integerSpin(1, 1000)), m_stepGamma(decimalSpin(0.01, 0.99, 0.05, 2)),
      m_warmupEpochs(integerSpin(0, 100)), m_splitCheckLabel(new QLabel)
{
    m_splitCheckLabel->setWordWrap(true);
    m_splitCheckLabel->setTextFormat(Qt::RichText);
    m_dataset->setPlaceholderText(tr("dataset folder or manifest CSV"));
    m_pretrained->setPlaceholderText(tr("none: train from scratch"));
    for (const std::string &name : ml::knownArchitectures()) {
        m_model->addItem(QString::fromStdString(name));
    }
    m_inputSize->setRange(32, 1024);
    m_inputSize->setSingleStep(32);
    m_inputSize->setSuffix(tr(" px"));
    m_channels->addItem(tr("1 (grey)"), 1);
    m_channels->addItem(tr("3 (for ImageNet weights)"), 3);
    m_optimizer->addItem(tr("Adam (thesis)"), QStringLiteral("adam"));
    m_optimizer->addItem(tr("AdamW"), QStringLiteral("adamw"));
    m_optimizer->addItem(tr("SGD with momentum"), QStringLiteral("sgd"));
    for (const auto &[kind, name] : ml::kScheduleNames) {
        m_schedule->addItem(QString::fromLatin1(name), QString::fromLatin1(name));
    }
    m_epochs->setRange(1, 10000);
    m_batch->setRange(1, 4096);
    m_earlyStop->setRange(0, 1000);
    m_earlyStop->setSpecialValueText(tr("off"));
    for (const auto &[method, name] : balanceMethodNames()) {
        m_balance->addItem(QString::fromLatin1(name), QString::fromLatin1(name));
    }
    for (const std::string &preset : augmentationPresetNames()) {
        m_augmentation->addItem(QString::fromStdString(preset), QString::fromStdString(preset));
    }
    m_recipe->addItem(tr("Custom"), QString());
    m_recipe->addItem(tr("Recommended for the CPU (small-cnn, 192 px, 16 epochs)"),
                      QStringLiteral("recommended"));
    m_recipe->addItem(tr("Recommended for a GPU (ResNet-18, 224 px, 40 epochs)"),
                      QStringLiteral("recommended-gpu"));
    m_recipe->setToolTip(
        tr("Fills the form with settings chosen on validation and the robustness report "
           "(docs/benchmarks.md); change any field afterwards"));
    m_weightAverage->setSpecialValueText(tr("off"));
    m_weightAverage->setToolTip(
        tr("Validate and keep a moving average of the weights; 0.998 is about the last 500 steps"));
    m_labelSmoothing->setToolTip(tr("Move the training targets this far towards uniform"));
    m_mixup->setSpecialValueText(tr("off"));
    m_mixup->setToolTip(tr("Blend each batch with a shuffled copy of itself by a weight drawn from "
                           "Beta(α, α); 0.2 is usual"));
    m_selectBy->addItem(tr("lowest validation loss"), QStringLiteral("loss"));
    m_selectBy->addItem(tr("highest validation AUC"), QStringLiteral("auc"));
    for (const char *rule :
         {"sensitivity:0.95", "sensitivity:0.9", "specificity:0.9", "youden", "fixed:0.5"}) {
        m_operatingPoint->addItem(QString::fromLatin1(rule), QString::fromLatin1(rule));
    }
    m_operatingPoint->setToolTip(
        tr("How the decision threshold is chosen on validation after training "
           "(after calibration); recorded in the model card"));
    m_device->addItem(tr("Automatic (GPU if any)"), QStringLiteral("auto"));
    for (const ml::ComputeDevice &device : ml::listComputeDevices()) {
        QString label = QString::fromStdString(device.name);
        if (device.id != "cpu") {
            label += device.memoryBytes > 0
                         ? tr(" (%1, %2 GiB)")
                               .arg(QString::fromStdString(device.id))
                               .arg(double(device.memoryBytes) / double(1LL << 30), 0, 'f', 1)
                         : tr(" (%1)").arg(QString::fromStdString(device.id));
        }
        m_device->addItem(label, QString::fromStdString(device.id));
    }
    m_precision->addItem(tr("Automatic (bf16 on GPU, fp32 on CPU)"), QStringLiteral("auto"));
    m_precision->addItem(tr("fp32"), QStringLiteral("fp32"));
    m_precision->addItem(tr("bf16 mixed (GPU)"), QStringLiteral("bf16"));
    m_precision->addItem(tr("fp16 mixed with loss scaling (GPU)"), QStringLiteral("fp16"));
    m_seed->setRange(0, 1'000'000'000);
    m_folds = new QSpinBox;
    m_folds->setObjectName(QStringLiteral("folds"));
    m_folds->setRange(1, 20);
    m_folds->setSpecialValueText(tr("Off: one run"));
    m_folds->setSuffix(tr(" patient folds"));
    m_folds->setToolTip(
        tr("Cross-validate the settings: one run per fold, each trained on the other "
           "folds' patients and evaluated on its own, then the mean and spread"));
    m_processes = new QSpinBox;
    m_processes->setObjectName(QStringLiteral("processes"));
    m_processes->setRange(1, 64);
    m_processes->setSpecialValueText(tr("1: in this window"));
    m_processes->setSuffix(tr(" processes"));
    m_processes->setToolTip(
        tr("Data-parallel training: this many cxr processes on this machine train the run "
           "together, each with the batch size above (one GPU each on CUDA: set it to the "
           "number of GPUs). On the CPU they share its cores."));
    m_checkpointMinutes->setRange(0, 1440);
    m_checkpointMinutes->setSuffix(tr(" min"));
    m_checkpointMinutes->setSpecialValueText(tr("epoch ends only"));

    auto *augmentRow = new QWidget;
    auto *augmentLayout = new QHBoxLayout(augmentRow);
    augmentLayout->setContentsMargins(0, 0, 0, 0);
    augmentLayout->addWidget(m_augmentation, 1);
    auto *preview = new QPushButton(tr("Preview…"));
    preview->setToolTip(tr("See this preset on the Augment page"));
    augmentLayout->addWidget(preview);
    connect(preview, &QPushButton::clicked, this,
            [this] { Q_EMIT previewAugmentation(m_augmentation->currentData().toString()); });

    // Long entries (a recipe's description, a GPU's name) would otherwise widen the form past
    // the scroll area, which clips it rather than scroll sideways.
    for (QComboBox *combo :
         {m_model, m_channels, m_optimizer, m_schedule, m_balance, m_augmentation, m_device,
          m_precision, m_recipe, m_selectBy, m_operatingPoint}) {
        combo->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
        combo->setMinimumContentsLength(12);
    }
    auto *form = new QFormLayout(this);
    m_layout = form;
    form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    form->addRow(tr("Dataset"),
                 withBrowseButton(m_dataset, PathKind::Folder, tr("Dataset folder"), this));
    form->addRow(QString(), m_splitCheckLabel);
    form->addRow(tr("Runs folder"), withBrowseButton(m_runsFolder, PathKind::Folder,
                                                     tr("Folder for run folders"), this));
    form->addRow(tr("Run name"), m_runName);
    form->addRow(tr("Recipe"), m_recipe);
    form->addRow(tr("Model"), m_model);
    form->addRow(tr("Input size"), m_inputSize);
    form->addRow(tr("Channels"), m_channels);
    form->addRow(tr("Pretrained weights"),
                 withBrowseButton(m_pretrained, PathKind::File, tr("PyTorch state_dict"), this));
    form->addRow(QString(), m_freezeFeatures);
    form->addRow(tr("Optimiser"), m_optimizer);
    form->addRow(tr("Learning rate"), m_learningRate);
    form->addRow(tr("Weight decay"), m_weightDecay);
    form->addRow(tr("Momentum"), m_momentum);
    form->addRow(QString(), m_nesterov);
    form->addRow(tr("Schedule"), m_schedule);
    form->addRow(tr("Cut the rate by ×"), m_plateauFactor);
    form->addRow(tr("Patience (epochs)"), m_plateauPatience);
    form->addRow(tr("Cooldown (epochs)"), m_plateauCooldown);
    form->addRow(tr("Step every (epochs)"), m_stepEpochs);
    form->addRow(tr("Step factor ×"), m_stepGamma);
    form->addRow(tr("Warm-up (epochs)"), m_warmupEpochs);
    form->addRow(tr("Lowest rate"), m_minLr);
    form->addRow(tr("Epochs"), m_epochs);
    form->addRow(tr("Batch size"), m_batch);
    form->addRow(tr("Early stopping"), m_earlyStop);
    form->addRow(tr("Balancing"), m_balance);
    form->addRow(tr("Augmentation"), augmentRow);
    form->addRow(tr("Label smoothing"), m_labelSmoothing);
    form->addRow(tr("Mixup α"), m_mixup);
    form->addRow(tr("Weight average"), m_weightAverage);
    form->addRow(tr("Keep the epoch with"), m_selectBy);
    form->addRow(tr("Threshold for"), m_operatingPoint);
    form->addRow(tr("Device"), m_device);
    form->addRow(tr("Precision"), m_precision);
    form->addRow(tr("Seed"), m_seed);
    form->addRow(QString(), m_deterministic);
    form->addRow(tr("Checkpoint every"), m_checkpointMinutes);
    form->addRow(tr("Cross-validation"), m_folds);
    form->addRow(tr("Data-parallel"), m_processes);

    // Names for tests and for style sheets.
    const std::pair<QWidget *, const char *> names[] = {{m_dataset, "dataset"},
                                                        {m_runsFolder, "runsFolder"},
                                                        {m_runName, "runName"},
                                                        {m_model, "model"},
                                                        {m_inputSize, "inputSize"},
                                                        {m_channels, "channels"},
                                                        {m_pretrained, "pretrained"},
                                                        {m_optimizer, "optimizer"},
                                                        {m_learningRate, "learningRate"},
                                                        {m_schedule, "schedule"},
                                                        {m_epochs, "epochs"},
                                                        {m_batch, "batch"},
                                                        {m_balance, "balance"},
                                                        {m_augmentation, "augmentation"},
                                                        {m_device, "device"},
                                                        {m_precision, "precision"},
                                                        {m_seed, "seed"}};
    for (const auto &[widget, name] : names) {
        widget->setObjectName(QString::fromLatin1(name));
    }

    restore();
    showRelevantRows();
    connect(m_recipe, &QComboBox::activated, this,
            [this] { applyRecipe(m_recipe->currentData().toString()); });
    connect(m_optimizer, qOverload<int>(&QComboBox::currentIndexChanged), this,
            &TrainForm::showRelevantRows);
    connect(m_schedule, qOverload<int>(&QComboBox::currentIndexChanged), this,
            &TrainForm::showRelevantRows);
    // The split check runs when the dataset field rests for a moment, on a worker thread.
    m_scanDelay.setSingleShot(true);
    m_scanDelay.setInterval(300);
    connect(&m_scanDelay, &QTimer::timeout, this, &TrainForm::checkDataset);
    connect(m_dataset, &QLineEdit::textChanged, &m_scanDelay, qOverload<>(&QTimer::start));
    connect(&m_scan, &QFutureWatcher<SplitCheck>::finished, this, &TrainForm::onDatasetChecked);
    m_scanDelay.start();
    auto notify = [this] { Q_EMIT changed(); };
    for (QLineEdit *edit : {m_dataset, m_runsFolder, m_runName, m_pretrained}) {
        connect(edit, &QLineEdit::textChanged, this, notify);
    }
    for (QComboBox *combo : {m_model, m_channels, m_optimizer, m_schedule, m_balance,
                             m_augmentation, m_device, m_precision}) {
        connect(combo, qOverload<int>(&QComboBox::currentIndexChanged), this, notify);
    }
    for (QSpinBox *spin : {m_inputSize, m_epochs, m_batch, m_earlyStop, m_seed, m_plateauPatience,
                           m_plateauCooldown, m_stepEpochs, m_warmupEpochs, m_folds, m_processes}) {
        connect(spin, qOverload<int>(&QSpinBox::valueChanged), this, notify);
    }
    for (QDoubleSpinBox *spin :
         {m_learningRate, m_weightDecay, m_checkpointMinutes, m_momentum, m_plateauFactor, m_minLr,
          m_stepGamma, m_labelSmoothing, m_weightAverage, m_mixup}) {
        connect(spin, qOverload<double>(&QDoubleSpinBox::valueChanged), this, notify);
    }
    for (QCheckBox *box : {m_freezeFeatures, m_deterministic, m_nesterov}) {
        connect(box, &QCheckBox::toggled, this, notify);
    }
}

ml::TrainSettings TrainForm::settings() const
{
    ml::TrainSettings s;
    s.model.architecture = m_model->currentText().toStdString();
    s.model.inputSize = m_inputSize->value();
    s.model.channels = m_channels->currentData().toInt();
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

void TrainForm::showRelevantRows()
{
    const QString optimizer = m_optimizer->currentData().toString();
    const QString schedule = m_schedule->currentData().toString();
    const bool plateau = schedule == QLatin1String("plateau");
    const bool cosine = schedule == QLatin1String("cosine");
    m_layout->setRowVisible(m_momentum, optimizer == QLatin1String("sgd"));
    m_layout->setRowVisible(m_nesterov, optimizer == QLatin1String("sgd"));
    for (QWidget *field :
         std::initializer_list<QWidget *>{m_plateauFactor, m_plateauPatience, m_plateauCooldown}) {
        m_layout->setRowVisible(field, plateau);
    }
    m_layout->setRowVisible(m_stepEpochs, schedule == QLatin1String("step"));
    m_layout->setRowVisible(m_stepGamma, schedule == QLatin1String("step"));
    m_layout->setRowVisible(m_warmupEpochs, cosine);
    m_layout->setRowVisible(m_minLr, plateau || cosine);
}

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
