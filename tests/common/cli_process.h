// SPDX-License-Identifier: MIT
#pragma once

// Runs the `cxr` command line as a child process and collects what it printed. CXR_CLI_PATH comes
// from CMake for the tests that use it.

#include <QProcess>
#include <QString>
#include <QStringList>

namespace cxr::test {

struct CliOutcome {
    int exitCode = -1; // -2 when it crashed, -1 when it timed out (err then says so)
    QString out;
    QString err;
};

// Waits for a started `cxr`, killing it past the timeout so that a hang fails the test instead
// of stalling CTest.
inline CliOutcome finishCli(QProcess &process, int timeoutMs)
{
    CliOutcome outcome;
    if (!process.waitForFinished(timeoutMs)) {
        process.kill();
        process.waitForFinished();
        outcome.err = QStringLiteral("timed out");
        return outcome;
    }
    outcome.exitCode = process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -2;
    outcome.out = QString::fromUtf8(process.readAllStandardOutput());
    outcome.err = QString::fromUtf8(process.readAllStandardError());
    return outcome;
}

inline CliOutcome runCli(const QStringList &arguments, int timeoutMs = 600000)
{
    QProcess process;
    process.start(QStringLiteral(CXR_CLI_PATH), arguments);
    return finishCli(process, timeoutMs);
}

} // namespace cxr::test
