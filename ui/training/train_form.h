// SPDX-License-Identifier: MIT
#pragma once

#include "core/pipeline/training_job.h"

#include <QFutureWatcher>
#include <QTimer>
#include <QWidget>

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QFormLayout;
class QLabel;
class QLineEdit;
class QSpinBox;

namespace cxr::ui {

// The set-up of a training run: dataset, model, optimiser, schedule, augmentation, balancing,
// device, precision, seed and output folder. Every change is validated at once; problem()
// names the first bad field (the page shows it and blocks Start). The fields are remembered
// between sessions, and setFromRun fills them from a past run ("train like this run").
class TrainForm : public QWidget {
    Q_OBJECT
public:
    explicit TrainForm(QWidget *parent = nullptr);

    pipeline::TrainJob job() const;
    // Cross-validation folds asked for; 0: one run (the usual case).
    int folds() const;
    void setFolds(int folds); // 0 or 1: off
    // Processes of a data-parallel run on this machine (one GPU each on CUDA); 1: one, in
    // this window.
    int processes() const;
    void setProcesses(int processes);
    // Empty when the job can start; otherwise one sentence naming the field.
    QString problem() const;

    void setDataset(const QString &path);
    void setRunsFolder(const QString &path);
    QString runsFolder() const;
    void setRunName(const QString &name);
    // "model-date-time", a name no earlier run has.
    void suggestRunName();
    void setFromRun(const ml::TrainSettings &settings);
    void setEpochs(int epochs);
    void setInputSize(int pixels);
    void setModel(const QString &architecture);
    // Fills the form with a named recipe (ml::trainingRecipeNames()), keeping the dataset,
    // runs folder, device and seed; false for an unknown name.
    bool applyRecipe(const QString &name);
    // Writes the fields to QSettings (also done when a run starts).
    void remember() const;
    // The dataset's split check as shown under the dataset field (empty while it runs).
    QString splitCheck() const;
    bool isCheckingDataset() const { return m_checking || m_scanDelay.isActive(); }

Q_SIGNALS:
    void changed();
    // The user asked to see the chosen augmentation preset on the Augment page.
    void previewAugmentation(const QString &preset);

private:
    // train_form_widgets.cpp: the widgets, their rows and connections.
    void fillChoices();
    void fillDeviceChoices();
    void configureFields();
    void layOutRows();
    void nameFields();
    void connectFields();
    ml::TrainSettings settings() const;
    void restore();
    void showRelevantRows();
    void checkDataset();
    void onDatasetChecked();

    struct SplitCheck {
        QString path;
        QString text;    // counts and warnings, rich text
        QString problem; // what blocks training (no validation split, unreadable dataset)
    };

    QLineEdit *m_dataset;
    QLineEdit *m_runsFolder;
    QLineEdit *m_runName;
    QComboBox *m_model;
    QSpinBox *m_inputSize;
    QComboBox *m_channels;
    QComboBox *m_inputLevels; // ModelSpec::normalisation
    QLineEdit *m_pretrained;
    QCheckBox *m_freezeFeatures;
    QComboBox *m_optimizer;
    QDoubleSpinBox *m_learningRate;
    QDoubleSpinBox *m_weightDecay;
    QComboBox *m_schedule;
    QSpinBox *m_epochs;
    QSpinBox *m_batch;
    QSpinBox *m_earlyStop;
    QComboBox *m_balance;
    QComboBox *m_augmentation;
    QComboBox *m_device;
    QComboBox *m_precision;
    QSpinBox *m_seed;
    QCheckBox *m_deterministic;
    QComboBox *m_recipe; // fills the form; "custom" once a field is changed by hand
    QDoubleSpinBox *m_labelSmoothing;
    QDoubleSpinBox *m_mixup;         // Beta(α, α) of mixup; 0: off
    QDoubleSpinBox *m_weightAverage; // decay of the weights' moving average; 0: off
    QComboBox *m_selectBy;           // loss or auc
    QComboBox *m_operatingPoint;     // how the threshold is chosen on validation
    QDoubleSpinBox *m_checkpointMinutes;
    QSpinBox *m_folds;          // 1 shows "Off"
    QSpinBox *m_processes;      // 1: in this window
    QCheckBox *m_syncBatchNorm; // data-parallel: batch norm over every process's images
    QDoubleSpinBox *m_momentum;
    QCheckBox *m_nesterov;
    QDoubleSpinBox *m_plateauFactor;
    QSpinBox *m_plateauPatience;
    QSpinBox *m_plateauCooldown;
    QDoubleSpinBox *m_minLr;
    QSpinBox *m_stepEpochs;
    QDoubleSpinBox *m_stepGamma;
    QSpinBox *m_warmupEpochs;
    QLabel *m_splitCheckLabel;
    QFormLayout *m_layout = nullptr;
    QTimer m_scanDelay;
    QFutureWatcher<SplitCheck> m_scan;
    SplitCheck m_splitCheck;
    bool m_checking = false; // from the start of a check until its result is shown
};

} // namespace cxr::ui
