// SPDX-License-Identifier: MIT
#include "ui/common/placeholder_page.h"

#include <QLabel>
#include <QVBoxLayout>

namespace cxr::ui {

PlaceholderPage::PlaceholderPage(const QString &title, const QString &description,
                                 const QString &command, QWidget *parent)
    : QWidget(parent)
{
    auto *layout = new QVBoxLayout(this);
    auto *heading = new QLabel(QStringLiteral("<h2>%1</h2>").arg(title.toHtmlEscaped()));
    auto *text = new QLabel(description);
    text->setWordWrap(true);
    auto *cli = new QLabel(tr("Available today from the command line:<pre>%1</pre>")
                               .arg(command.toHtmlEscaped()));
    cli->setTextInteractionFlags(Qt::TextSelectableByMouse);
    layout->addWidget(heading);
    layout->addWidget(text);
    layout->addWidget(cli);
    layout->addStretch();
}

} // namespace cxr::ui
