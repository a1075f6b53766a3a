// SPDX-License-Identifier: MIT
#include "ui/augment/augmentation_controls.h"

#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QVBoxLayout>

#include <cmath>

namespace cxr::ui {

namespace {

int decimalsFor(double step)
{
    return std::max(0, int(std::ceil(-std::log10(step) - 1e-9)));
}

} // namespace

AugmentationControls::AugmentationControls(QWidget *parent)
    : QWidget(parent), m_preset(new QComboBox)
{
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    auto *presetRow = new QHBoxLayout;
    presetRow->addWidget(new QLabel(tr("Preset:")));
    for (const std::string &name : augmentationPresetNames()) {
        m_preset->addItem(QString::fromStdString(name));
    }
    m_preset->addItem(tr("custom"));
    presetRow->addWidget(m_preset, 1);
    layout->addLayout(presetRow);

    for (const AugmentationTransform &transform : augmentationTransforms()) {
        auto *box = new QGroupBox(tr(transform.label));
        auto *form = new QFormLayout(box);
        form->setContentsMargins(6, 4, 6, 4);
        for (const AugmentationParameter &parameter : transform.parameters) {
            auto *spin = new QDoubleSpinBox;
            spin->setRange(parameter.minimum, parameter.maximum);
            spin->setSingleStep(parameter.step);
            spin->setDecimals(decimalsFor(parameter.step));
            spin->setKeyboardTracking(false); // one update per finished edit, not per digit
            if (*parameter.unit) {
                spin->setSuffix(QStringLiteral(" ") + QString::fromUtf8(parameter.unit));
            }
            spin->setToolTip(tr("%1, from %2 to %3 (%4)")
                                 .arg(tr(parameter.label))
                                 .arg(parameter.minimum)
                                 .arg(parameter.maximum)
                                 .arg(QString::fromLatin1(parameter.key)));
            form->addRow(tr(parameter.label), spin);
            m_fields.push_back({&parameter, spin});
            connect(spin, &QDoubleSpinBox::valueChanged, this,
                    &AugmentationControls::onValueEdited);
        }
        if (*transform.note) {
            auto *note = new QLabel(QStringLiteral("<i>%1</i>").arg(tr(transform.note)));
            note->setWordWrap(true);
            form->addRow(note);
        }
        layout->addWidget(box);
        m_rows.push_back({&transform, box});
    }
    layout->addStretch();

    connect(m_preset, &QComboBox::currentTextChanged, this, [this](const QString &name) {
        AugmentationSettings preset;
        if (augmentationPreset(name.toStdString(), preset)) {
            setSettings(preset);
            Q_EMIT settingsChanged();
        }
    });
    choosePreset(QStringLiteral("thesis"));
    setColourInput(false);
}

AugmentationSettings AugmentationControls::settings() const
{
    AugmentationSettings settings;
    for (const Field &field : m_fields) {
        settings.*(field.parameter->member) = field.spin->value();
    }
    return settings;
}

void AugmentationControls::setSettings(const AugmentationSettings &settings)
{
    m_applying = true;
    for (const Field &field : m_fields) {
        field.spin->setValue(settings.*(field.parameter->member));
    }
    m_applying = false;
}

bool AugmentationControls::choosePreset(const QString &name)
{
    const int at = m_preset->findText(name);
    if (at < 0 || name == tr("custom")) {
        return false;
    }
    m_preset->setCurrentIndex(at);
    AugmentationSettings preset;
    augmentationPreset(name.toStdString(), preset);
    setSettings(preset); // also when the preset was already selected
    return true;
}

void AugmentationControls::setColourInput(bool colour)
{
    for (const Row &row : m_rows) {
        if (row.transform->colourOnly) {
            row.box->setEnabled(colour);
            row.box->setToolTip(colour ? QString() : tr(row.transform->note));
        }
    }
}

QDoubleSpinBox *AugmentationControls::spinFor(double AugmentationSettings::*member) const
{
    for (const Field &field : m_fields) {
        if (field.parameter->member == member) {
            return field.spin;
        }
    }
    return nullptr;
}

void AugmentationControls::onValueEdited()
{
    if (m_applying) {
        return;
    }
    // Ranges stay ordered: a min raised above its max pulls the max along, and the other way.
    using S = AugmentationSettings;
    const std::pair<double S::*, double S::*> ranges[] = {
        {&S::zoomMin, &S::zoomMax}, {&S::aspectMin, &S::aspectMax}, {&S::gammaMin, &S::gammaMax}};
    const auto *changed = qobject_cast<const QDoubleSpinBox *>(sender());
    for (const auto &[minimum, maximum] : ranges) {
        QDoubleSpinBox *low = spinFor(minimum);
        QDoubleSpinBox *high = spinFor(maximum);
        if (low->value() > high->value()) {
            m_applying = true;
            if (changed == low) {
                high->setValue(low->value());
            } else {
                low->setValue(high->value());
            }
            m_applying = false;
        }
    }
    const QSignalBlocker blocker(m_preset);
    m_preset->setCurrentIndex(m_preset->count() - 1); // custom
    Q_EMIT settingsChanged();
}

} // namespace cxr::ui
