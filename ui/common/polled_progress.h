// SPDX-License-Identifier: MIT
#pragma once

#include "core/common/progress.h"

#include <QElapsedTimer>
#include <QString>

#include <atomic>
#include <cstdint>

namespace cxr::ui {

// Progress written by core work on its worker thread and read by a page's timer, so that the
// work sends no signal per item; also carries the cancel request.
struct PolledProgress : ProgressObserver {
    std::atomic<std::int64_t> done{0};
    std::atomic<std::int64_t> total{0};
    std::atomic<bool> cancelRequested{false};
    QElapsedTimer started; // started by whoever starts the work

    void progress(std::int64_t d, std::int64_t t) override
    {
        done = d;
        total = t;
    }
    bool isCancelled() const override { return cancelRequested.load(); }

    // "120 of 624 images · about 40 s left" (no estimate before the first item).
    QString describe(const QString &unit) const;
};

} // namespace cxr::ui
