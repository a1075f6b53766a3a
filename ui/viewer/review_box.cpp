// SPDX-License-Identifier: MIT
#include "ui/viewer/review_box.h"

#include "core/ml/model_card.h"
#include "core/ml/run_folder.h"
#include "core/pipeline/model_review.h"

#include <QButtonGroup>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QInputDialog>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPushButton>
#include <QRadioButton>
#include <QVBoxLayout>

namespace cxr::ui {

ReviewBox::ReviewBox(QWidget *parent)
    : QGroupBox(tr("Review"), parent), m_onLungs(new QRadioButton(tr("Looks at the lungs"))),
      m_elsewhere(new QRadioButton(tr("Looks elsewhere"))), m_note(new QLineEdit),
      m_save(new QPushButton(tr("Save review"))), m_summary(new QLabel),
      m_approve(new QPushButton(tr("Approve for use…")))
{
    auto *verdicts = new QButtonGroup(this);
    verdicts->addButton(m_onLungs);
    verdicts->addButton(m_elsewhere);
    m_note->setPlaceholderText(tr("Note (what the map shows)"));
    m_summary->setWordWrap(true);
    m_elsewhere->setToolTip(tr("Labels, markers, borders, devices or anything outside the lungs"));
    auto *row = new QHBoxLayout;
    row->addWidget(m_onLungs);
    row->addWidget(m_elsewhere);
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(row);
    layout->addWidget(m_note);
    layout->addWidget(m_save);
    layout->addWidget(m_summary);
    layout->addWidget(m_approve);
    connect(m_save, &QPushButton::clicked, this, [this] {
        if (!m_onLungs->isChecked() && !m_elsewhere->isChecked()) {
            m_summary->setText(tr("Choose where the map looks first."));
            return;
        }
        saveReview(m_onLungs->isChecked(), m_note->text());
    });
    connect(m_approve, &QPushButton::clicked, this, [this] {
        bool ok = false;
        const QString note = QInputDialog::getText(
            this, tr("Approve model"), tr("Approval note (who approves, for what use):"),
            QLineEdit::Normal, QString(), &ok);
        if (ok) {
            approve(note);
        }
    });
    setApprovalConfirmation([this](const QString &question) {
        return QMessageBox::question(this, tr("Approve model"), question) == QMessageBox::Yes;
    });
    refresh();
}

void ReviewBox::setApprovalConfirmation(std::function<bool(const QString &)> confirm)
{
    m_confirm = std::move(confirm);
}

void ReviewBox::setSubject(const QString &model, const QString &image, const QString &method,
                           const QString &layer)
{
    if (image != m_image || model != m_model) {
        m_note->clear();
        m_onLungs->setAutoExclusive(false); // lets both be unchecked for the new image
        m_onLungs->setChecked(false);
        m_elsewhere->setChecked(false);
        m_onLungs->setAutoExclusive(true);
    }
    m_model = model;
    m_image = image;
    m_method = method;
    m_layer = layer;
    refresh();
}

QString ReviewBox::summaryText() const
{
    return m_summary->text();
}

bool ReviewBox::saveReview(bool onLungs, const QString &note)
{
    pipeline::HeatmapReview review;
    review.image = m_image.toStdString();
    review.verdict =
        onLungs ? pipeline::ReviewVerdict::OnLungs : pipeline::ReviewVerdict::Elsewhere;
    review.note = note.toStdString();
    review.method = m_method.toStdString();
    review.layer = m_layer.toStdString();
    if (auto saved = pipeline::saveReview(m_model.toStdString(), review); !saved) {
        m_summary->setText(
            tr("Review not saved: %1").arg(QString::fromStdString(saved.error().message)));
        return false;
    }
    refresh();
    Q_EMIT cardChanged();
    return true;
}

bool ReviewBox::approve(const QString &note)
{
    auto card = ml::readRunModelCard(m_model.toStdString());
    if (!card) {
        m_summary->setText(QString::fromStdString(card.error().message));
        return false;
    }
    const ml::ReviewSummary &r = card->review;
    QString question = tr("%1 of %2 reviewed heatmaps look at the lungs. Approve %3 for use?")
                           .arg(r.onLungs)
                           .arg(r.reviewed)
                           .arg(QString::fromStdString(card->name));
    if (r.elsewhere * 5 > r.reviewed) {
        question =
            tr("Warning: more than one in five reviewed heatmaps look elsewhere. ") + question;
    }
    if (!m_confirm(question)) {
        return false;
    }
    if (auto approved = pipeline::approveModel(m_model.toStdString(), note.toStdString());
        !approved) {
        m_summary->setText(QString::fromStdString(approved.error().message));
        return false;
    }
    refresh();
    Q_EMIT cardChanged();
    return true;
}

void ReviewBox::refresh()
{
    const bool haveModel = !m_model.isEmpty();
    auto card =
        haveModel ? ml::readRunModelCard(m_model.toStdString()) : Result<ml::ModelCard>(Error{});
    m_save->setEnabled(card.ok() && !m_image.isEmpty());
    m_onLungs->setEnabled(m_save->isEnabled());
    m_elsewhere->setEnabled(m_save->isEnabled());
    m_note->setEnabled(m_save->isEnabled());
    if (!card) {
        m_summary->setText(tr("Choose a model to review its heatmaps."));
        m_approve->setEnabled(false);
        return;
    }
    const ml::ReviewSummary &r = card->review;
    QString text = tr("%1 heatmaps reviewed: %2 look at the lungs, %3 elsewhere.")
                       .arg(r.reviewed)
                       .arg(r.onLungs)
                       .arg(r.elsewhere);
    if (card->approvedForUse) {
        text += QLatin1Char(' ') +
                tr("Approved for use on %1.").arg(QString::fromStdString(card->approvedAt));
    } else if (r.reviewed < pipeline::kReviewsNeededForApproval) {
        text += QLatin1Char(' ') + tr("Review %1 more before the model can be approved.")
                                       .arg(pipeline::kReviewsNeededForApproval - r.reviewed);
    } else {
        text += QLatin1Char(' ') + tr("Not yet approved for use.");
    }
    m_summary->setText(text);
    m_approve->setEnabled(!card->approvedForUse &&
                          r.reviewed >= pipeline::kReviewsNeededForApproval);
}

} // namespace cxr::ui
