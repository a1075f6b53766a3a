// SPDX-License-Identifier: MIT
#include "terminal_progress.h"

#include <atomic>
#include <csignal>
#include <cstdio>
#include <unistd.h>

#include "commands.h"

#include "core/common/text.h"

namespace cxr::cli {

namespace {

std::atomic<bool> g_interrupted{false};

extern "C" void onInterrupt(int)
{
    g_interrupted.store(true);
}

std::string formatSeconds(double seconds)
{
    const int total = int(seconds + 0.5);
    char text[32];
    std::snprintf(text, sizeof text, "%d:%02d", total / 60, total % 60);
    return text;
}

} // namespace

TerminalProgress::TerminalProgress() : m_interactive(isatty(STDERR_FILENO) == 1)
{
    std::signal(SIGINT, onInterrupt);
}

TerminalProgress::~TerminalProgress()
{
    finishLine();
    std::signal(SIGINT, SIG_DFL);
}

void TerminalProgress::stage(const std::string &what)
{
    std::lock_guard<std::mutex> lock(m_mutex);
    if (m_lineOpen) {
        std::fputc('\n', stderr);
        m_lineOpen = false;
    }
    m_stage = what;
    m_stageStart = std::chrono::steady_clock::now();
    if (!m_interactive) {
        std::fprintf(stderr, "%s\n", what.c_str());
    }
}

void TerminalProgress::progress(std::int64_t done, std::int64_t total)
{
    if (!m_interactive || total <= 0) {
        return;
    }
    std::lock_guard<std::mutex> lock(m_mutex);
    const auto now = std::chrono::steady_clock::now();
    if (done < total && now - m_lastDraw < std::chrono::milliseconds(100)) {
        return; // redraw at most ten times a second
    }
    m_lastDraw = now;
    const double fraction = double(done) / double(total);
    const double elapsed = std::chrono::duration<double>(now - m_stageStart).count();
    std::string eta = done > 0 ? formatSeconds(elapsed * (1 - fraction) / fraction) : "?";
    std::string detail;
    if (m_haveReport) {
        eta = formatSeconds(m_report.etaSeconds);
        char text[64];
        std::snprintf(text, sizeof text, " %.0f img/s", m_report.imagesPerSecond);
        detail = text;
        if (m_report.deviceMemoryMiB > 0) {
            std::snprintf(text, sizeof text, ", GPU %.1f GB", m_report.deviceMemoryMiB / 1024.0);
            detail += text;
        }
    }
    constexpr int kWidth = 30;
    const int filled = int(fraction * kWidth);
    std::fprintf(stderr, "\r%-28.28s [%s%s] %3d%%  ETA %s%s ", m_stage.c_str(),
                 std::string(std::size_t(filled), '#').c_str(),
                 std::string(std::size_t(kWidth - filled), ' ').c_str(), int(fraction * 100),
                 eta.c_str(), detail.c_str());
    m_lineOpen = true;
}

void TerminalProgress::batchFinished(const ml::BatchReport &report)
{
    std::lock_guard<std::mutex> lock(m_mutex);
    m_report = report;
    m_haveReport = true;
}

bool TerminalProgress::isCancelled() const
{
    return g_interrupted.load();
}

void TerminalProgress::finishLine()
{
    std::lock_guard<std::mutex> lock(m_mutex);
    if (m_lineOpen) {
        std::fputc('\n', stderr);
        m_lineOpen = false;
    }
}

int reportError(const Error &error)
{
    std::fprintf(stderr, "cxr: %s\n", oneLine(error.message).c_str());
    return error.code == ErrorCode::Cancelled ? kCancelled : kFailure;
}

} // namespace cxr::cli
