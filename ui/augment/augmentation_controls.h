// SPDX-License-Identifier: MIT
#pragma once

#include "core/augment/augmentation_settings.h"

#include <QWidget>

#include <vector>

class QComboBox;
class QDoubleSpinBox;
class QGroupBox;

namespace cxr::ui {

// One row per augmentation transform, built from the shared parameter table: a probability and
// the transform's range, each a spin box limited to the allowed values, so an out-of-range
// setting cannot be entered. A preset box fills them; editing any value makes it "custom".
class AugmentationControls : public QWidget {
    Q_OBJECT
public:
    explicit AugmentationControls(QWidget *parent = nullptr);

    AugmentationSettings settings() const;
    void setSettings(const AugmentationSettings &settings);
    // Chooses a preset by name ("thesis"); false for an unknown name.
    bool choosePreset(const QString &name);
    // Saturation and hue act on colour inputs only: disabled, with the reason, for grey.
    void setColourInput(bool colour);

Q_SIGNALS:
    void settingsChanged();

private:
    struct Field {
        const AugmentationParameter *parameter;
        QDoubleSpinBox *spin;
    };
    struct Row {
        const AugmentationTransform *transform;
        QGroupBox *box;
    };
    void onValueEdited();
    QDoubleSpinBox *spinFor(double AugmentationSettings::*member) const;

    QComboBox *m_preset;
    std::vector<Field> m_fields;
    std::vector<Row> m_rows;
    bool m_applying = false; // true while setSettings fills the boxes
};

} // namespace cxr::ui
