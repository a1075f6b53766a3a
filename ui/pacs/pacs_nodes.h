// SPDX-License-Identifier: MIT
#pragma once

// The PACS nodes the user has set up, by name, kept in the application's settings. Nodes hold
// addresses and AE titles only, never patient data.

#include "core/pacs/pacs_node.h"

#include <QString>

#include <map>

namespace cxr::ui {

using PacsNodes = std::map<QString, pacs::PacsNode>;

PacsNodes loadPacsNodes();
void savePacsNodes(const PacsNodes &nodes);

// The local store that retrieves go to: the setting "pacs/store", else a folder in the
// application's data location.
QString pacsStoreFolder();

} // namespace cxr::ui
