// SPDX-License-Identifier: MIT
#include "ui/training/rank_processes.h"

#include "core/ml/run_folder.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRandomGenerator>

#include <cmath>

#ifdef Q_OS_UNIX
#include <signal.h>
#endif

namespace cxr::ui {

namespace {

// A port for the ranks' rendezvous: below the ephemeral range that outgoing connections take
// (32768 and up on Linux), so only a service listening there could hold it; rank 0 then stops
// with "address already in use" and Start tries another.
int rendezvousPort()
{
    return 20000 + int(QRandomGenerator::global()->bounded(12000));
}

} // namespace

RankProcesses::RankProcesses(QObject *parent) : QObject(parent) {}

RankProcesses::~RankProcesses()
{
    for (QProcess *process : m_processes) {
        process->disconnect(this);
        process->kill();
        process->waitForFinished(5000);
    }
}

QString RankProcesses::cxrExecutable()
{
    // CXR_CLI names another one (the tests point it into the build tree).
    if (QString named = qEnvironmentVariable("CXR_CLI"); QFileInfo(named).isExecutable()) {
        return named;
    }
    const QDir here(QCoreApplication::applicationDirPath());
    const QString name =
        QStringLiteral("cxr") +
        (QSysInfo::productType() == "windows" ? QStringLiteral(".exe") : QString());
    for (const QString &candidate :
         {here.filePath(name), here.filePath(QStringLiteral("../cli/") + name)}) {
        if (QFileInfo(candidate).isExecutable()) {
            return QFileInfo(candidate).canonicalFilePath();
        }
    }
    return QString();
}

bool RankProcesses::start(const pipeline::TrainJob &job, int ranks, QString *error)
{
    if (isRunning()) {
        *error = tr("a run is already training");
        return false;
    }
    const QString cxr = cxrExecutable();
    if (cxr.isEmpty()) {
        *error = tr("the cxr program was not found beside %1")
                     .arg(QCoreApplication::applicationFilePath());
        return false;
    }
    m_settingsDir = std::make_unique<QTemporaryDir>();
    const QString settingsFile = m_settingsDir->filePath(QStringLiteral("settings.json"));
    QFile file(settingsFile);
    if (!m_settingsDir->isValid() || !file.open(QIODevice::WriteOnly) ||
        file.write(QByteArray::fromStdString(ml::trainSettingsText(job.settings))) < 0) {
        *error = tr("cannot write the run's settings to %1").arg(settingsFile);
        return false;
    }
    file.close();
    m_runDir = QString::fromStdString(job.runDir.string());
    // A resumed run brings its own settings (config.json); a new one the form's.
    QStringList arguments =
        job.resume
            ? QStringList{QStringLiteral("train"), QStringLiteral("--resume"), m_runDir}
            : QStringList{
                  QStringLiteral("train"),      QString::fromStdString(job.datasetDir.string()),
                  QStringLiteral("--settings"), settingsFile,
                  QStringLiteral("--out"),      m_runDir};
    arguments << QStringLiteral("--json-steps");
    if (job.cacheDir.empty()) {
        arguments << QStringLiteral("--no-cache");
    } else {
        arguments << QStringLiteral("--cache-dir") << QString::fromStdString(job.cacheDir.string());
    }
    if (job.overwrite) {
        arguments << QStringLiteral("--overwrite");
    }
    if (job.badImages == pipeline::BadImages::Skip) {
        arguments << QStringLiteral("--skip-bad-images");
    }
    const int port = rendezvousPort();
    m_failure.clear();
    m_summary.clear();
    m_finishedCleanly = false;
    m_pending.assign(std::size_t(ranks), QByteArray());
    for (int rank = 0; rank < ranks; ++rank) {
        auto *process = new QProcess(this);
        QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
        environment.insert(QStringLiteral("RANK"), QString::number(rank));
        environment.insert(QStringLiteral("LOCAL_RANK"), QString::number(rank));
        environment.insert(QStringLiteral("WORLD_SIZE"), QString::number(ranks));
        environment.insert(QStringLiteral("LOCAL_WORLD_SIZE"), QString::number(ranks));
        environment.insert(QStringLiteral("MASTER_ADDR"), QStringLiteral("127.0.0.1"));
        environment.insert(QStringLiteral("MASTER_PORT"), QString::number(port));
        process->setProcessEnvironment(environment);
        connect(process, &QProcess::readyReadStandardOutput, this,
                [this, rank] { readLines(rank); });
        connect(process, &QProcess::finished, this, [this] { processEnded(); });
        connect(process, &QProcess::errorOccurred, this, [this](QProcess::ProcessError error) {
            if (error == QProcess::FailedToStart) { // no finished() follows
                if (m_failure.isEmpty()) {
                    m_failure = tr("cannot start %1").arg(cxrExecutable());
                }
                processEnded();
            }
        });
        m_processes.push_back(process);
    }
    m_running = ranks;
    for (QProcess *process : m_processes) {
        process->start(cxr, arguments);
    }
    Q_EMIT stageChanged(tr("Training as %1 processes").arg(ranks));
    return true;
}

void RankProcesses::abort()
{
    for (QProcess *process : m_processes) {
#ifdef Q_OS_UNIX
        // As Ctrl+C: every rank stops; the run resumes from the start of this epoch.
        if (process->processId() > 0) {
            ::kill(pid_t(process->processId()), SIGINT);
        }
#else
        process->terminate();
#endif
    }
}

void RankProcesses::readLines(int rank)
{
    QByteArray &pending = m_pending[std::size_t(rank)];
    pending += m_processes[std::size_t(rank)]->readAllStandardOutput();
    int end;
    while ((end = pending.indexOf('\n')) >= 0) {
        handleLine(rank, pending.left(end));
        pending.remove(0, end + 1);
    }
}

void RankProcesses::handleLine(int rank, const QByteArray &line)
{
    const QJsonObject event = QJsonDocument::fromJson(line).object();
    const QString kind = event.value(QStringLiteral("event")).toString();
    if (kind == QStringLiteral("step")) {
        Q_EMIT rankSpeed(rank, event.value(QStringLiteral("images_per_second")).toDouble());
        if (rank == 0) {
            ml::BatchReport report;
            report.epoch = event.value(QStringLiteral("epoch")).toInt();
            report.step = event.value(QStringLiteral("step")).toInteger();
            report.totalSteps = event.value(QStringLiteral("total_steps")).toInteger();
            report.loss = event.value(QStringLiteral("loss")).toDouble();
            report.learningRate = event.value(QStringLiteral("lr")).toDouble();
            report.imagesPerSecond = event.value(QStringLiteral("images_per_second")).toDouble();
            report.etaSeconds = event.value(QStringLiteral("eta_seconds")).toDouble();
            Q_EMIT stepFinished(report);
        }
    } else if (kind == QStringLiteral("epoch") && rank == 0) {
        ml::EpochMetrics metrics;
        metrics.epoch = event.value(QStringLiteral("epoch")).toInt();
        metrics.trainLoss = event.value(QStringLiteral("train_loss")).toDouble();
        metrics.trainAccuracy = event.value(QStringLiteral("train_accuracy")).toDouble();
        metrics.valLoss = event.value(QStringLiteral("val_loss")).toDouble();
        metrics.valAccuracy = event.value(QStringLiteral("val_accuracy")).toDouble();
        const QJsonValue auc = event.value(QStringLiteral("val_auc"));
        metrics.valAuc = auc.isDouble() ? auc.toDouble() : std::nan("");
        metrics.learningRate = event.value(QStringLiteral("lr")).toDouble();
        metrics.seconds = event.value(QStringLiteral("seconds")).toDouble();
        Q_EMIT epochFinished(metrics);
    } else if (kind == QStringLiteral("finished") && rank == 0) {
        m_finishedCleanly = true;
        QStringList speeds;
        for (const QJsonValue speed :
             event.value(QStringLiteral("rank_images_per_second")).toArray()) {
            speeds << QString::number(speed.toDouble(), 'f', 0);
        }
        m_summary = tr("Finished %1 as %2 processes: best epoch %3, val loss %4, val accuracy %5; "
                       "per rank %6 images/s")
                        .arg(m_runDir)
                        .arg(m_processes.size())
                        .arg(event.value(QStringLiteral("best_epoch")).toInt())
                        .arg(event.value(QStringLiteral("best_val_loss")).toDouble(), 0, 'f', 4)
                        .arg(event.value(QStringLiteral("best_val_accuracy")).toDouble(), 0, 'f', 3)
                        .arg(speeds.join(QStringLiteral(", ")));
    }
}

void RankProcesses::processEnded()
{
    for (std::size_t rank = 0; rank < m_processes.size(); ++rank) {
        QProcess *process = m_processes[rank];
        if (process->state() != QProcess::NotRunning || process->property("seen").toBool()) {
            continue;
        }
        process->setProperty("seen", true);
        readLines(int(rank));
        // `cxr` ends with one "cxr: ..." line on stderr when it fails.
        const QList<QByteArray> lines = process->readAllStandardError().split('\n');
        for (const QByteArray &line : lines) {
            if (line.startsWith("cxr: ") && m_failure.isEmpty()) {
                m_failure = QString::fromUtf8(line.mid(5));
            }
        }
        --m_running;
        if (process->exitStatus() != QProcess::NormalExit || process->exitCode() != 0) {
            // The others would wait for it until --rank-timeout (rank 0 serves the rendezvous).
            for (QProcess *other : m_processes) {
                if (other->state() != QProcess::NotRunning) {
                    other->terminate();
                }
            }
        }
    }
    if (m_running > 0) {
        return;
    }
    for (QProcess *process : m_processes) {
        process->deleteLater();
    }
    m_processes.clear();
    const bool succeeded = m_finishedCleanly && m_failure.isEmpty();
    Q_EMIT finished(
        succeeded, succeeded ? m_summary
                             : (m_failure.isEmpty() ? tr("a rank ended unexpectedly") : m_failure));
}

} // namespace cxr::ui
