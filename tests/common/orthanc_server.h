// SPDX-License-Identifier: MIT
#pragma once

// A real PACS for the tests: Orthanc (Debian package orthanc), started on free loopback ports
// with a temporary configuration and storage folder, and stopped when this object goes away.
// Never a system service. Tests QSKIP when Orthanc is not installed.

#include "core/pacs/pacs_client.h"

#include <QElapsedTimer>
#include <QFile>
#include <QProcess>
#include <QStandardPaths>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QThread>

#ifdef Q_OS_LINUX
#include <csignal>
#include <sys/prctl.h>
#endif

namespace cxr::test {

// A loopback port that was free a moment ago.
inline int freeLoopbackPort()
{
    QTcpServer probe;
    probe.listen(QHostAddress::LocalHost, 0);
    return probe.serverPort();
}

class OrthancServer {
public:
    static constexpr const char *kAeTitle = "ORTHANC";
    static constexpr const char *kClientAeTitle = "CXRSTUDIO";

    static QString executable()
    {
        return QStandardPaths::findExecutable(QStringLiteral("Orthanc"));
    }

    ~OrthancServer() { stop(); }

    // DICOM TLS instead of plain DICOM on the port: Orthanc's certificate and key, and the
    // client certificate it trusts (and requires). node() then speaks TLS with client's pair.
    struct TlsFiles {
        QString serverCertificate, serverKey, clientCertificate, clientKey;
    };
    void useTls(const TlsFiles &files) { m_tls = files; }

    // Starts Orthanc and waits until it answers C-ECHO; an empty string on success, else why not.
    QString start()
    {
        if (!m_folder.isValid()) {
            return QStringLiteral("no temporary folder");
        }
        m_dicomPort = freeLoopbackPort();
        m_clientPort = freeLoopbackPort();
        const QString storage = m_folder.filePath(QStringLiteral("storage"));
        const QString config = QStringLiteral(R"({
  "Name": "CXR Studio test PACS",
  "StorageDirectory": "%1", "IndexDirectory": "%1",
  "HttpServerEnabled": false, "RemoteAccessAllowed": false,
  "DicomServerEnabled": true, "DicomAet": "%2", "DicomPort": %3, "DicomCheckCalledAet": true,
  "DicomModalities": { "cxr": { "AET": "%4", "Host": "127.0.0.1", "Port": %5%7 } },
  "DicomAlwaysAllowEcho": true, "DicomAlwaysAllowStore": true,
  "UnknownSopClassAccepted": true, "StorageCompression": false,
  "Plugins": [], "DeidentifyLogs": true, "LimitFindResults": 0, "LimitFindInstances": 0%6
})")
                                   .arg(storage, QString(kAeTitle))
                                   .arg(m_dicomPort)
                                   .arg(QString(kClientAeTitle))
                                   .arg(m_clientPort)
                                   .arg(tlsConfiguration())
                                   // a C-MOVE is delivered over TLS when the PACS speaks TLS
                                   .arg(m_tls.serverCertificate.isEmpty()
                                            ? QString()
                                            : QStringLiteral(R"(, "UseDicomTls": true)"));
        QFile file(m_folder.filePath(QStringLiteral("orthanc.json")));
        if (!file.open(QIODevice::WriteOnly) || file.write(config.toUtf8()) < 0) {
            return QStringLiteral("cannot write the Orthanc configuration");
        }
        file.close();
        m_process.setProcessChannelMode(QProcess::MergedChannels);
        m_process.setStandardOutputFile(m_folder.filePath(QStringLiteral("orthanc.log")));
#ifdef Q_OS_LINUX
        // Stopped with the test even when the test process crashes and runs no destructor.
        m_process.setChildProcessModifier([] { ::prctl(PR_SET_PDEATHSIG, SIGTERM); });
#endif
        m_process.start(executable(), {file.fileName()});
        if (!m_process.waitForStarted(10000)) {
            return QStringLiteral("Orthanc did not start: ") + m_process.errorString();
        }
        QElapsedTimer waited;
        waited.start();
        while (waited.elapsed() < 30000) {
            if (m_process.state() != QProcess::Running) {
                return QStringLiteral("Orthanc exited at start; see ") +
                       m_folder.filePath(QStringLiteral("orthanc.log"));
            }
            pacs::PacsNode probe = node();
            probe.timeoutSeconds = 2;
            if (pacs::echo(probe).ok()) {
                return {};
            }
            QThread::msleep(200);
        }
        return QStringLiteral("Orthanc did not answer C-ECHO within 30 s");
    }

    void stop()
    {
        if (m_process.state() != QProcess::NotRunning) {
            m_process.terminate();
            if (!m_process.waitForFinished(10000)) {
                m_process.kill();
                m_process.waitForFinished(5000);
            }
        }
    }

    pacs::PacsNode node() const
    {
        pacs::PacsNode node;
        node.host = "127.0.0.1";
        node.port = m_dicomPort;
        node.calledAeTitle = kAeTitle;
        node.callingAeTitle = kClientAeTitle;
        node.timeoutSeconds = 10;
        if (!m_tls.serverCertificate.isEmpty()) {
            node.tls.enabled = true;
            node.tls.certificate = m_tls.clientCertificate.toStdString();
            node.tls.privateKey = m_tls.clientKey.toStdString();
            node.tls.trustedCertificates = {m_tls.serverCertificate.toStdString()};
        }
        return node;
    }

    // The port Orthanc would send C-MOVE results to (CXR Studio's storage SCP).
    int clientPort() const
    {
        return m_clientPort;
    }

private:
    QString tlsConfiguration() const
    {
        if (m_tls.serverCertificate.isEmpty()) {
            return {};
        }
        return QStringLiteral(R"(,
  "DicomTlsEnabled": true, "DicomTlsCertificate": "%1", "DicomTlsPrivateKey": "%2",
  "DicomTlsTrustedCertificates": "%3", "DicomTlsRemoteCertificateRequired": true)")
            .arg(m_tls.serverCertificate, m_tls.serverKey, m_tls.clientCertificate);
    }

    TlsFiles m_tls;
    QTemporaryDir m_folder;
    QProcess m_process;
    int m_dicomPort = 0;
    int m_clientPort = 0;
};

} // namespace cxr::test
