// SPDX-License-Identifier: MIT
#pragma once

#include "core/common/progress.h"

#include <QElapsedTimer>
#include <QString>

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>

namespace cxr::ui {

// Progress written by core work on its worker thread and read by a page's timer, so that the
// work sends no signal per item; also carries the cancel request. Each stage ("Decoding test
// images", "Predicting") restarts the ETA's clock.
struct PolledProgress : ProgressObserver {
    std::atomic<std::int64_t> done{0};
    std::atomic<std::int64_t> total{0};
    std::atomic<bool> cancelRequested{false};
    QElapsedTimer started; // started by whoever starts the work, before it runs

    void progress(std::int64_t d, std::int64_t t) override
    {
        done = d;
        total = t;
    }
    void stage(const std::string &what) override;
    bool isCancelled() const override { return cancelRequested.load(); }

    // "Predicting: 120 of 624 images · about 40 s left" (no estimate before the first item).
    QString describe(const QString &unit) const;

private:
    mutable std::mutex m_mutex;
    std::string m_stage;
    std::atomic<std::int64_t> m_stageStartMs{0};
};

} // namespace cxr::ui
