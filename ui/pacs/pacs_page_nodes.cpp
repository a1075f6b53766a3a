// SPDX-License-Identifier: MIT
// The PACS page's node list: the combo box of nodes, and adding, editing and removing them
// (kept in the settings by pacs_nodes.cpp).
#include "ui/pacs/pacs_page.h"

#include "ui/pacs/pacs_node_dialog.h"

#include <QComboBox>
#include <QMessageBox>

namespace cxr::ui {

void PacsPage::setNodes(const PacsNodes &nodes, bool save)
{
    m_nodes = nodes;
    if (save) {
        savePacsNodes(m_nodes);
    }
    refreshNodes(m_node->currentText());
}

void PacsPage::refreshNodes(const QString &select)
{
    m_node->clear();
    for (const auto &[name, node] : m_nodes) {
        m_node->addItem(name + QStringLiteral("  (") +
                            QString::fromStdString(pacs::describe(node)) + QStringLiteral(")"),
                        name);
    }
    const int index = m_node->findData(select);
    m_node->setCurrentIndex(index >= 0 ? index : 0);
    if (m_nodes.empty()) {
        setStatus(tr("Add a PACS node to query: its host, port and AE title."));
    }
}

std::optional<pacs::PacsNode> PacsPage::currentNode() const
{
    const auto found = m_nodes.find(m_node->currentData().toString());
    return found == m_nodes.end() ? std::nullopt : std::optional<pacs::PacsNode>(found->second);
}

void PacsPage::addNode()
{
    PacsNodeDialog dialog(this);
    if (dialog.exec() == QDialog::Accepted) {
        m_nodes[dialog.name()] = dialog.node();
        savePacsNodes(m_nodes);
        refreshNodes(dialog.name());
    }
}

void PacsPage::editNode()
{
    const auto node = currentNode();
    if (!node) {
        return addNode();
    }
    const QString old = m_node->currentData().toString();
    PacsNodeDialog dialog(this);
    dialog.setNode(old, *node);
    if (dialog.exec() == QDialog::Accepted) {
        m_nodes.erase(old);
        m_nodes[dialog.name()] = dialog.node();
        savePacsNodes(m_nodes);
        refreshNodes(dialog.name());
    }
}

void PacsPage::removeNode()
{
    const QString name = m_node->currentData().toString();
    if (!name.isEmpty() &&
        QMessageBox::question(this, tr("Remove PACS node"), tr("Remove the node %1?").arg(name)) ==
            QMessageBox::Yes) {
        m_nodes.erase(name);
        savePacsNodes(m_nodes);
        refreshNodes({});
    }
}

} // namespace cxr::ui
