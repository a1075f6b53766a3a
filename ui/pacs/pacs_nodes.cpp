// SPDX-License-Identifier: MIT
#include "ui/pacs/pacs_nodes.h"

#include <QSettings>
#include <QStandardPaths>

namespace cxr::ui {

PacsNodes loadPacsNodes()
{
    QSettings settings;
    PacsNodes nodes;
    const int count = settings.beginReadArray(QStringLiteral("pacs/nodes"));
    for (int i = 0; i < count; ++i) {
        settings.setArrayIndex(i);
        pacs::PacsNode node;
        node.host = settings.value(QStringLiteral("host")).toString().toStdString();
        node.port = settings.value(QStringLiteral("port"), 104).toInt();
        node.calledAeTitle = settings.value(QStringLiteral("calledAet")).toString().toStdString();
        node.callingAeTitle =
            settings.value(QStringLiteral("callingAet"), QStringLiteral("CXRSTUDIO"))
                .toString()
                .toStdString();
        node.timeoutSeconds = settings.value(QStringLiteral("timeout"), 10).toInt();
        node.tls.enabled = settings.value(QStringLiteral("tls"), false).toBool();
        node.tls.certificate =
            settings.value(QStringLiteral("tlsCertificate")).toString().toStdString();
        node.tls.privateKey = settings.value(QStringLiteral("tlsKey")).toString().toStdString();
        const QString trusted = settings.value(QStringLiteral("tlsTrusted")).toString();
        if (!trusted.isEmpty()) {
            node.tls.trustedCertificates = {trusted.toStdString()};
        }
        node.tls.verifyPeer = settings.value(QStringLiteral("tlsVerify"), true).toBool();
        const QString name = settings.value(QStringLiteral("name")).toString();
        if (!name.isEmpty()) {
            nodes[name] = node;
        }
    }
    settings.endArray();
    return nodes;
}

void savePacsNodes(const PacsNodes &nodes)
{
    QSettings settings;
    settings.remove(QStringLiteral("pacs/nodes"));
    settings.beginWriteArray(QStringLiteral("pacs/nodes"), int(nodes.size()));
    int i = 0;
    for (const auto &[name, node] : nodes) {
        settings.setArrayIndex(i++);
        settings.setValue(QStringLiteral("name"), name);
        settings.setValue(QStringLiteral("host"), QString::fromStdString(node.host));
        settings.setValue(QStringLiteral("port"), node.port);
        settings.setValue(QStringLiteral("calledAet"), QString::fromStdString(node.calledAeTitle));
        settings.setValue(QStringLiteral("callingAet"),
                          QString::fromStdString(node.callingAeTitle));
        settings.setValue(QStringLiteral("timeout"), node.timeoutSeconds);
        settings.setValue(QStringLiteral("tls"), node.tls.enabled);
        settings.setValue(QStringLiteral("tlsCertificate"),
                          QString::fromStdString(node.tls.certificate));
        settings.setValue(QStringLiteral("tlsKey"), QString::fromStdString(node.tls.privateKey));
        settings.setValue(QStringLiteral("tlsTrusted"),
                          node.tls.trustedCertificates.empty()
                              ? QString()
                              : QString::fromStdString(node.tls.trustedCertificates.front()));
        settings.setValue(QStringLiteral("tlsVerify"), node.tls.verifyPeer);
    }
    settings.endArray();
}

QString pacsStoreFolder()
{
    const QString configured = QSettings().value(QStringLiteral("pacs/store")).toString();
    if (!configured.isEmpty()) {
        return configured;
    }
    return QStandardPaths::writableLocation(QStandardPaths::AppDataLocation) +
           QStringLiteral("/pacs-store");
}

} // namespace cxr::ui
