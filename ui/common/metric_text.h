// SPDX-License-Identifier: MIT
#pragma once

#include <QString>

namespace cxr::ui {

// A metric as the Evaluate page and the PDF report print it: fixed decimals, a dash when it is
// undefined (a zero denominator).
QString metricText(double value, int decimals = 3);

// A confidence interval as "low – high", or a dash when it could not be estimated (too few
// images of a class for the bootstrap).
QString intervalText(double low, double high);

} // namespace cxr::ui
