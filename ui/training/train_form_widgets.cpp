// SPDX-License-Identifier: MIT
// The Train form's widgets: their choices, limits and tooltips, the rows they sit in, and the
// connections that keep the form's state current. Its behaviour is in train_form.cpp.
#include "ui/training/train_form.h"

#include "core/augment/augmentation_settings.h"
#include "core/augment/class_balance.h"
#include "core/ml/device.h"
#include "core/ml/lr_schedule.h"
#include "core/ml/training_recipe.h"
#include "ui/common/path_field.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSpinBox>

namespace cxr::ui {

// The lists of the combo boxes: models, channels, optimisers, schedules, balancing, presets,
// recipes, model selection and operating points.
void TrainForm::fillChoices()
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
    m_inputLevels->addItem(tr("As stored"), QStringLiteral("scale01"));
    m_inputLevels->addItem(tr("Equalised per image"), QStringLiteral("equalise"));
    m_inputLevels->setToolTip(
        tr("Equalised: the network sees each image's grey levels by their rank within the image, "
           "so a film's exposure, window and contrast make no difference to its prediction"));
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
    // Named with what each recipe trains, read from the recipe itself.
    const std::pair<const char *, QString> recipes[] = {
        {"recommended", tr("Recommended for the CPU")},
        {"recommended-gpu", tr("Recommended for a GPU")}};
    for (const auto &[name, title] : recipes) {
        const auto recipe = ml::trainingRecipe(name, ml::TrainSettings{});
        m_recipe->addItem(tr("%1 (%2, %3 px, %4 epochs)")
                              .arg(title, QString::fromStdString(recipe->model.architecture))
                              .arg(recipe->model.inputSize)
                              .arg(recipe->epochs),
                          QString::fromLatin1(name));
    }
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
}

// "Automatic", then every device LibTorch sees, a GPU with its memory; and the precisions.
void TrainForm::fillDeviceChoices()
{
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
}

void TrainForm::configureFields()
{
    m_seed->setRange(0, 1'000'000'000);
    m_folds->setObjectName(QStringLiteral("folds"));
    m_folds->setRange(1, 20);
    m_folds->setSpecialValueText(tr("Off: one run"));
    m_folds->setSuffix(tr(" patient folds"));
    m_folds->setToolTip(
        tr("Cross-validate the settings: one run per fold, each trained on the other "
           "folds' patients and evaluated on its own, then the mean and spread"));
    m_processes->setObjectName(QStringLiteral("processes"));
    m_processes->setRange(1, 64);
    m_processes->setSpecialValueText(tr("1: in this window"));
    m_processes->setSuffix(tr(" processes"));
    m_processes->setToolTip(
        tr("Data-parallel training: this many cxr processes on this machine train the run "
           "together, each with the batch size above (one GPU each on CUDA: set it to the "
           "number of GPUs). On the CPU they share its cores."));
    m_syncBatchNorm->setObjectName(QStringLiteral("syncBatchNorm"));
    m_syncBatchNorm->setToolTip(
        tr("Batch norm normalises with the statistics of every process's images of a step, "
           "as one process at the whole batch would. Costs two exchanges per batch norm layer "
           "and step; worth it when each process's batch is small."));
    m_checkpointMinutes->setRange(0, 1440);
    m_checkpointMinutes->setSuffix(tr(" min"));
    m_checkpointMinutes->setSpecialValueText(tr("epoch ends only"));
}

void TrainForm::layOutRows()
{
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
         {m_model, m_channels, m_inputLevels, m_optimizer, m_schedule, m_balance, m_augmentation,
          m_device, m_precision, m_recipe, m_selectBy, m_operatingPoint}) {
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
    form->addRow(tr("Grey levels"), m_inputLevels);
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
    form->addRow(QString(), m_syncBatchNorm);
}

// Names for tests and for style sheets.
void TrainForm::nameFields()
{
    const std::pair<QWidget *, const char *> names[] = {{m_dataset, "dataset"},
                                                        {m_runsFolder, "runsFolder"},
                                                        {m_runName, "runName"},
                                                        {m_model, "model"},
                                                        {m_inputSize, "inputSize"},
                                                        {m_channels, "channels"},
                                                        {m_inputLevels, "inputLevels"},
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
}

// Recipes fill the form; the optimiser and schedule show their own rows; the dataset is
// checked when its field rests; every field's change is announced.
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
    m_layout->setRowVisible(m_syncBatchNorm, m_processes->value() > 1);
}

void TrainForm::connectFields()
{
    connect(m_recipe, &QComboBox::activated, this,
            [this] { applyRecipe(m_recipe->currentData().toString()); });
    connect(m_optimizer, qOverload<int>(&QComboBox::currentIndexChanged), this,
            &TrainForm::showRelevantRows);
    connect(m_schedule, qOverload<int>(&QComboBox::currentIndexChanged), this,
            &TrainForm::showRelevantRows);
    connect(m_processes, qOverload<int>(&QSpinBox::valueChanged), this,
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
    for (QComboBox *combo : {m_model, m_channels, m_inputLevels, m_optimizer, m_schedule, m_balance,
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
    for (QCheckBox *box : {m_freezeFeatures, m_deterministic, m_nesterov, m_syncBatchNorm}) {
        connect(box, &QCheckBox::toggled, this, notify);
    }
}

} // namespace cxr::ui
