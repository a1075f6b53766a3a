// SPDX-License-Identifier: MIT
#include "ui/common/polled_progress.h"

#include <QObject>

namespace cxr::ui {

QString PolledProgress::describe(const QString &unit) const
{
    const std::int64_t d = done.load();
    const std::int64_t t = total.load();
    QString text = QObject::tr("%1 of %2 %3").arg(d).arg(t).arg(unit);
    if (d > 0 && t > d && started.isValid()) {
        const double seconds = double(started.elapsed()) / 1000.0 * double(t - d) / double(d);
        text += seconds < 90 ? QObject::tr(" · about %1 s left").arg(int(seconds + 0.5))
                             : QObject::tr(" · about %1 min left").arg(int(seconds / 60 + 0.5));
    }
    return text;
}

} // namespace cxr::ui
