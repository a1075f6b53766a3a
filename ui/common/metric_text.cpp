// SPDX-License-Identifier: MIT
#include "ui/common/metric_text.h"

#include <QCoreApplication>

#include <cmath>

namespace cxr::ui {

QString metricText(double value, int decimals)
{
    return std::isfinite(value) ? QString::number(value, 'f', decimals) : QStringLiteral("–");
}

QString intervalText(double low, double high)
{
    return std::isfinite(low) ? QCoreApplication::translate("MetricText", "%1 – %2")
                                    .arg(metricText(low), metricText(high))
                              : QStringLiteral("–");
}

} // namespace cxr::ui
