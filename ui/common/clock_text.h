// SPDX-License-Identifier: MIT
#pragma once

#include <QString>

#include <algorithm>
#include <cmath>

namespace cxr::ui {

// A duration as a clock shows it, "m:ss" (125.4 s: "2:05"), rounded to the nearest second.
inline QString clockText(double seconds)
{
    const long total = std::lround(std::max(0.0, seconds));
    return QStringLiteral("%1:%2").arg(total / 60).arg(total % 60, 2, 10, QLatin1Char('0'));
}

} // namespace cxr::ui
