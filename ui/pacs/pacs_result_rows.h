// SPDX-License-Identifier: MIT
#pragma once

// The PACS page's result rows: a study per top-level row, its series as children (listed when
// the study is opened), what each row holds besides its columns, and what a selection of rows
// asks the PACS to retrieve.

#include "core/pacs/pacs_client.h"

#include <QList>
#include <QString>

#include <filesystem>
#include <vector>

class QTreeWidgetItem;

namespace cxr::ui {

enum PacsRowRole { LevelRole = Qt::UserRole, StudyRole, SeriesRole, LoadedRole };
enum PacsColumn {
    PatientColumn,
    PatientIdColumn,
    DateColumn,
    ModalityColumn,
    DescriptionColumn,
    AccessionColumn,
    ImagesColumn
};
constexpr int kStudyLevel = 0;
constexpr int kSeriesLevel = 1;

QString formatDicomDate(const std::string &date); // YYYYMMDD as YYYY-MM-DD
QString personName(const std::string &dicom);     // "FAMILY^GIVEN^MIDDLE" as "FAMILY, GIVEN MIDDLE"

QTreeWidgetItem *studyRow(const pacs::QueryMatch &study);
QTreeWidgetItem *seriesRow(const pacs::QueryMatch &series, const QString &studyUid);

// One request per selected study, and per selected series whose study is not selected too
// (the study's retrieve brings it), in the order of the selection.
std::vector<pacs::RetrieveRequest> retrieveRequests(const QList<QTreeWidgetItem *> &selected);

// The first file among files that decodes as an image (a study may hold reports and plans).
QString firstImage(const std::vector<std::filesystem::path> &files);

} // namespace cxr::ui
