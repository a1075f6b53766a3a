// SPDX-License-Identifier: MIT
#pragma once

#include <QDoubleSpinBox>

namespace cxr::ui {

// A spin box for rates that span decades (learning rate, weight decay): shows six significant
// digits ("0.000538687", "2.3e-06") and takes scientific notation, where QDoubleSpinBox's
// fixed decimals would round 2.3e-6 to 2e-6 and change the run it describes.
class ScientificSpinBox : public QDoubleSpinBox {
public:
    explicit ScientificSpinBox(QWidget *parent = nullptr);

    QString textFromValue(double value) const override;
    double valueFromText(const QString &text) const override;
    QValidator::State validate(QString &text, int &position) const override;
};

} // namespace cxr::ui
