// SPDX-License-Identifier: MIT
#pragma once

#include <QGroupBox>
#include <QString>

#include <functional>

class QLabel;
class QLineEdit;
class QPushButton;
class QRadioButton;

namespace cxr::ui {

// The interpretability gate: mark the heatmap on screen "looks at the lungs" or "looks
// elsewhere" with a note, see the model's review count, and approve the model for use once
// enough heatmaps were reviewed. Writes model/reviews.csv and the model card.
class ReviewBox : public QGroupBox {
    Q_OBJECT
public:
    explicit ReviewBox(QWidget *parent = nullptr);

    // The model (run or model folder) and the image and map on screen; empty image: nothing to
    // review.
    void setSubject(const QString &model, const QString &image, const QString &method,
                    const QString &layer);
    // Answers "approve this model?" (a message box by default; tests answer without one).
    void setApprovalConfirmation(std::function<bool(const QString &question)> confirm);

    QString summaryText() const;
    bool saveReview(bool onLungs, const QString &note);
    bool approve(const QString &note);

Q_SIGNALS:
    void cardChanged(); // a review or an approval was saved

private:
    void refresh();

    QString m_model;
    QString m_image;
    QString m_method;
    QString m_layer;
    QRadioButton *m_onLungs;
    QRadioButton *m_elsewhere;
    QLineEdit *m_note;
    QPushButton *m_save;
    QLabel *m_summary;
    QPushButton *m_approve;
    std::function<bool(const QString &)> m_confirm;
};

} // namespace cxr::ui
