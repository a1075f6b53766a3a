// SPDX-License-Identifier: MIT
#pragma once

#include <QString>

namespace cxr::ui {

// QSettings keys that more than one page reads.

// The class balancing chosen on the Dataset page and used by the Train form.
inline const QString kBalanceSettingKey = QStringLiteral("training/balance");

} // namespace cxr::ui
