// SPDX-License-Identifier: MIT
#include "ui/common/metric_text.h"

#include <cmath>

namespace cxr::ui {

QString metricText(double value, int decimals)
{
    return std::isfinite(value) ? QString::number(value, 'f', decimals) : QStringLiteral("–");
}

} // namespace cxr::ui
