// SPDX-License-Identifier: MIT
#pragma once

#include <QString>

class QLineEdit;
class QWidget;

namespace cxr::ui {

enum class PathKind { Folder, File };

// Returns a row holding edit and a "Browse…" button that fills edit from a file dialog
// (caption as its title, starting at edit's text). The row is owned by parent.
QWidget *withBrowseButton(QLineEdit *edit, PathKind kind, const QString &caption, QWidget *parent);

} // namespace cxr::ui
