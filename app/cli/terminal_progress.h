// SPDX-License-Identifier: MIT
#pragma once

#include "core/common/result.h"
#include "core/ml/trainer.h"

#include <chrono>
#include <mutex>
#include <string>

namespace cxr::cli {

// Prints long work to stderr: a redrawn bar with ETA on a terminal, one line per stage
// otherwise. Ctrl+C sets the cancellation flag the core polls.
class TerminalProgress : public ml::TrainObserver {
public:
    TerminalProgress();
    ~TerminalProgress() override;
    void progress(std::int64_t done, std::int64_t total) override;
    void stage(const std::string &what) override;
    // Training: the run's own ETA (over all epochs), images/s and device memory on the bar.
    void batchFinished(const ml::BatchReport &report) override;
    bool isCancelled() const override;
    void finishLine();

private:
    std::mutex m_mutex;
    bool m_interactive;
    bool m_lineOpen = false;
    std::string m_stage;
    std::chrono::steady_clock::time_point m_stageStart;
    std::chrono::steady_clock::time_point m_lastDraw;
    bool m_haveReport = false;
    ml::BatchReport m_report;
};

// Prints "cxr: <message>" to stderr and returns the exit code for the error.
int reportError(const Error &error);

} // namespace cxr::cli
