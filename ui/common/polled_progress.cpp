// SPDX-License-Identifier: MIT
#include "ui/common/polled_progress.h"

#include <QObject>

namespace cxr::ui {

void PolledProgress::stage(const std::string &what)
{
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        m_stage = what;
    }
    m_stageStartMs = started.isValid() ? started.elapsed() : 0;
    done = 0;
    total = 0;
}

QString PolledProgress::describe(const QString &unit) const
{
    const std::int64_t d = done.load();
    const std::int64_t t = total.load();
    QString text;
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        if (!m_stage.empty()) {
            text = QString::fromStdString(m_stage) + QStringLiteral(": ");
        }
    }
    text += QObject::tr("%1 of %2 %3").arg(d).arg(t).arg(unit);
    if (d > 0 && t > d && started.isValid()) {
        const double elapsed = double(started.elapsed() - m_stageStartMs.load()) / 1000.0;
        const double seconds = elapsed * double(t - d) / double(d);
        text += seconds < 90 ? QObject::tr(" · about %1 s left").arg(int(seconds + 0.5))
                             : QObject::tr(" · about %1 min left").arg(int(seconds / 60 + 0.5));
    }
    return text;
}

} // namespace cxr::ui
