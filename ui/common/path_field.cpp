// SPDX-License-Identifier: MIT
#include "ui/common/path_field.h"

#include <QFileDialog>
#include <QHBoxLayout>
#include <QLineEdit>
#include <QPushButton>

namespace cxr::ui {

QWidget *withBrowseButton(QLineEdit *edit, PathKind kind, const QString &caption, QWidget *parent)
{
    auto *row = new QWidget(parent);
    auto *layout = new QHBoxLayout(row);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(edit, 1);
    auto *browse = new QPushButton(QObject::tr("Browse…"), row);
    layout->addWidget(browse);
    QObject::connect(browse, &QPushButton::clicked, row, [edit, kind, caption, row] {
        const QString chosen = kind == PathKind::Folder
                                   ? QFileDialog::getExistingDirectory(row, caption, edit->text())
                                   : QFileDialog::getOpenFileName(row, caption, edit->text());
        if (!chosen.isEmpty()) {
            edit->setText(chosen);
        }
    });
    return row;
}

} // namespace cxr::ui
