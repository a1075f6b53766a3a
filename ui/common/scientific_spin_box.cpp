// SPDX-License-Identifier: MIT
#include "ui/common/scientific_spin_box.h"

#include <QRegularExpression>

namespace cxr::ui {

ScientificSpinBox::ScientificSpinBox(QWidget *parent) : QDoubleSpinBox(parent)
{
    // The box rounds every value to this many decimals: enough for six significant digits
    // down to 1e-6.
    setDecimals(12);
}

QString ScientificSpinBox::textFromValue(double value) const
{
    return locale().toString(value, 'g', 6);
}

double ScientificSpinBox::valueFromText(const QString &text) const
{
    bool ok = false;
    const double value = locale().toDouble(text.trimmed(), &ok);
    return ok ? value : text.trimmed().toDouble(); // "1e-4" typed in a locale with a decimal comma
}

QValidator::State ScientificSpinBox::validate(QString &text, int &) const
{
    const QString trimmed = text.trimmed();
    bool ok = false;
    double value = locale().toDouble(trimmed, &ok);
    if (!ok) {
        value = trimmed.toDouble(&ok);
    }
    if (ok) {
        return value >= minimum() && value <= maximum() ? QValidator::Acceptable
                                                        : QValidator::Intermediate;
    }
    // Part of a number still being typed: "1e", "1e-", "0.".
    static const QRegularExpression partial(QStringLiteral("^[0-9.,]*([eE][-+]?[0-9]*)?$"));
    return partial.match(trimmed).hasMatch() ? QValidator::Intermediate : QValidator::Invalid;
}

} // namespace cxr::ui
