// SPDX-License-Identifier: MIT
#include "ui/evaluation/model_job_dialog.h"

#include <QDialogButtonBox>
#include <QFormLayout>
#include <QLabel>
#include <QPushButton>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>

#include <exception>

namespace cxr::ui {

ModelJobDialog::ModelJobDialog(const QString &title, const QString &makeLabel, QWidget *parent)
    : QDialog(parent), m_form(new QFormLayout), m_make(new QPushButton(makeLabel)),
      m_cancel(new QPushButton(tr("Cancel"))), m_result(new QLabel)
{
    setWindowTitle(title);
    m_result->setWordWrap(true);
    m_result->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_result->setMinimumWidth(520);
    m_cancel->setEnabled(false);
    auto *buttons = new QDialogButtonBox;
    buttons->addButton(m_make, QDialogButtonBox::ActionRole);
    buttons->addButton(m_cancel, QDialogButtonBox::ActionRole);
    buttons->addButton(QDialogButtonBox::Close);
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(m_form);
    layout->addWidget(buttons);
    layout->addWidget(m_result);
    connect(m_make, &QPushButton::clicked, this, &ModelJobDialog::make);
    connect(m_cancel, &QPushButton::clicked, this, [this] {
        if (m_progress) {
            m_progress->cancelRequested = true;
        }
    });
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(&m_job, &QFutureWatcherBase::finished, this, &ModelJobDialog::onFinished);
    m_progressTimer.setInterval(250);
    connect(&m_progressTimer, &QTimer::timeout, this, [this] {
        if (m_progress) {
            m_result->setText(m_progress->describe(tr("images")));
        }
    });
}

ModelJobDialog::~ModelJobDialog()
{
    if (m_progress) {
        m_progress->cancelRequested = true;
    }
    m_job.waitForFinished();
}

QString ModelJobDialog::resultText() const
{
    return m_result->text();
}

void ModelJobDialog::make()
{
    if (m_job.isRunning()) {
        return;
    }
    QString problem;
    std::optional<Work> work = prepare(problem);
    if (!work) {
        m_result->setText(problem);
        return;
    }
    m_make->setEnabled(false);
    m_cancel->setEnabled(true);
    m_progress = std::make_shared<PolledProgress>();
    m_progress->started.start();
    m_progressTimer.start();
    m_job.setFuture(QtConcurrent::run([work = std::move(*work), progress = m_progress]() {
        try {
            return work(*progress);
        } catch (const std::exception &e) { // a library failure must not end the application
            return Outcome{
                false, tr("unexpected failure: %1").arg(QString::fromLocal8Bit(e.what())), {}};
        }
    }));
}

void ModelJobDialog::onFinished()
{
    m_progressTimer.stop();
    m_make->setEnabled(true);
    m_cancel->setEnabled(false);
    const Outcome outcome = m_job.result();
    m_result->setText(outcome.message);
    if (outcome.ok) {
        Q_EMIT modelMade(outcome.modelFolder);
    }
}

} // namespace cxr::ui
