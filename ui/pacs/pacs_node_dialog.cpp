// SPDX-License-Identifier: MIT
#include "ui/pacs/pacs_node_dialog.h"

#include "ui/common/path_field.h"

#include <QCheckBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QSpinBox>
#include <QVBoxLayout>

namespace cxr::ui {

PacsNodeDialog::PacsNodeDialog(QWidget *parent)
    : QDialog(parent), m_name(new QLineEdit), m_host(new QLineEdit), m_port(new QSpinBox),
      m_calledAet(new QLineEdit), m_callingAet(new QLineEdit(QStringLiteral("CXRSTUDIO"))),
      m_timeout(new QSpinBox), m_tls(new QCheckBox(tr("Use DICOM TLS"))),
      m_tlsCertificate(new QLineEdit), m_tlsKey(new QLineEdit), m_tlsTrusted(new QLineEdit),
      m_tlsVerify(new QCheckBox(tr("Verify the PACS's certificate"))), m_problem(new QLabel)
{
    setWindowTitle(tr("PACS node"));
    m_port->setRange(1, 65535);
    m_port->setValue(104);
    m_timeout->setRange(1, 3600);
    m_timeout->setValue(10);
    m_timeout->setSuffix(tr(" s"));
    m_calledAet->setMaxLength(16);
    m_callingAet->setMaxLength(16);
    m_problem->setWordWrap(true);
    m_problem->setStyleSheet(QStringLiteral("color: #b00020"));
    auto *form = new QFormLayout;
    form->addRow(tr("Name"), m_name);
    form->addRow(tr("Host"), m_host);
    form->addRow(tr("Port"), m_port);
    form->addRow(tr("PACS AE title (called)"), m_calledAet);
    form->addRow(tr("Our AE title (calling)"), m_callingAet);
    form->addRow(tr("Timeout"), m_timeout);
    form->addRow(QString(), m_tls);
    // Each file row with its Browse button, so that both follow the TLS box.
    QWidget *certificateRow =
        withBrowseButton(m_tlsCertificate, PathKind::File, tr("Our certificate"), this);
    QWidget *keyRow = withBrowseButton(m_tlsKey, PathKind::File, tr("Private key"), this);
    QWidget *trustedRow =
        withBrowseButton(m_tlsTrusted, PathKind::File, tr("PACS certificate"), this);
    form->addRow(tr("Our certificate (PEM)"), certificateRow);
    form->addRow(tr("Its private key (PEM)"), keyRow);
    form->addRow(tr("PACS certificate or CA (PEM)"), trustedRow);
    form->addRow(QString(), m_tlsVerify);
    m_tlsVerify->setChecked(true);
    const auto enableTls = [=](bool on) {
        for (QWidget *field :
             {certificateRow, keyRow, trustedRow, static_cast<QWidget *>(m_tlsVerify)}) {
            field->setEnabled(on);
        }
    };
    connect(m_tls, &QCheckBox::toggled, this, enableTls);
    enableTls(false);
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel);
    connect(buttons, &QDialogButtonBox::accepted, this, &PacsNodeDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(m_problem);
    layout->addWidget(buttons);
}

void PacsNodeDialog::setNode(const QString &name, const pacs::PacsNode &node)
{
    m_name->setText(name);
    m_host->setText(QString::fromStdString(node.host));
    m_port->setValue(node.port);
    m_calledAet->setText(QString::fromStdString(node.calledAeTitle));
    m_callingAet->setText(QString::fromStdString(node.callingAeTitle));
    m_timeout->setValue(node.timeoutSeconds);
    m_tls->setChecked(node.tls.enabled);
    m_tlsCertificate->setText(QString::fromStdString(node.tls.certificate));
    m_tlsKey->setText(QString::fromStdString(node.tls.privateKey));
    m_tlsTrusted->setText(node.tls.trustedCertificates.empty()
                              ? QString()
                              : QString::fromStdString(node.tls.trustedCertificates.front()));
    m_tlsVerify->setChecked(node.tls.verifyPeer);
}

QString PacsNodeDialog::name() const
{
    return m_name->text().trimmed();
}

pacs::PacsNode PacsNodeDialog::node() const
{
    pacs::PacsNode node;
    node.host = m_host->text().trimmed().toStdString();
    node.port = m_port->value();
    node.calledAeTitle = m_calledAet->text().trimmed().toStdString();
    node.callingAeTitle = m_callingAet->text().trimmed().toStdString();
    node.timeoutSeconds = m_timeout->value();
    node.tls.enabled = m_tls->isChecked();
    node.tls.certificate = m_tlsCertificate->text().trimmed().toStdString();
    node.tls.privateKey = m_tlsKey->text().trimmed().toStdString();
    if (!m_tlsTrusted->text().trimmed().isEmpty()) {
        node.tls.trustedCertificates = {m_tlsTrusted->text().trimmed().toStdString()};
    }
    node.tls.verifyPeer = m_tlsVerify->isChecked();
    return node;
}

void PacsNodeDialog::accept()
{
    if (name().isEmpty()) {
        m_problem->setText(tr("Give the node a name."));
        return;
    }
    if (auto checked = pacs::checkNode(node()); !checked) {
        m_problem->setText(QString::fromStdString(checked.error().message));
        return;
    }
    QDialog::accept();
}

} // namespace cxr::ui
