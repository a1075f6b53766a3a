// SPDX-License-Identifier: MIT
#pragma once

#include <QWidget>

namespace cxr::ui {

// A page whose GUI is not built yet: says what it will do and which `cxr` command does the
// work today, so the user is never left at a blank screen.
class PlaceholderPage : public QWidget {
    Q_OBJECT
public:
    PlaceholderPage(const QString &title, const QString &description, const QString &command,
                    QWidget *parent = nullptr);
};

} // namespace cxr::ui
