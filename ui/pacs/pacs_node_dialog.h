// SPDX-License-Identifier: MIT
#pragma once

#include "core/pacs/pacs_node.h"

#include <QDialog>

class QCheckBox;
class QLabel;
class QLineEdit;
class QSpinBox;

namespace cxr::ui {

// Adds or edits one PACS node: a name, host, port, the PACS's AE title, ours, the timeout, and
// DICOM TLS (our certificate and key, the PACS's certificate, whether to verify it).
// OK is refused, with the reason shown, until the settings pass pacs::checkNode.
class PacsNodeDialog : public QDialog {
    Q_OBJECT
public:
    explicit PacsNodeDialog(QWidget *parent = nullptr);
    void setNode(const QString &name, const pacs::PacsNode &node);
    QString name() const;
    pacs::PacsNode node() const;
    void accept() override;

private:
    QLineEdit *m_name;
    QLineEdit *m_host;
    QSpinBox *m_port;
    QLineEdit *m_calledAet;
    QLineEdit *m_callingAet;
    QSpinBox *m_timeout;
    QCheckBox *m_tls;
    QLineEdit *m_tlsCertificate;
    QLineEdit *m_tlsKey;
    QLineEdit *m_tlsTrusted;
    QCheckBox *m_tlsVerify;
    QLabel *m_problem;
};

} // namespace cxr::ui
