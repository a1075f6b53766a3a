// SPDX-License-Identifier: MIT
#include "ui/pacs/pacs_result_rows.h"

#include "core/imaging/file_sniffer.h"
#include "core/imaging/image_loader.h"

#include <QCoreApplication>
#include <QSet>
#include <QStringList>
#include <QTreeWidgetItem>

#include <algorithm>

namespace cxr::ui {

namespace {

QString text(const std::string &value)
{
    return QString::fromStdString(value);
}

QString count(int instances)
{
    return instances >= 0 ? QString::number(instances) : QString();
}

} // namespace

QString formatDicomDate(const std::string &date)
{
    return date.size() == 8
               ? text(date.substr(0, 4) + "-" + date.substr(4, 2) + "-" + date.substr(6, 2))
               : text(date);
}

QString personName(const std::string &dicom)
{
    QStringList parts = text(dicom).split(QLatin1Char('^'));
    while (!parts.isEmpty() && parts.back().trimmed().isEmpty()) {
        parts.removeLast();
    }
    if (parts.size() < 2) {
        return parts.join(QString());
    }
    const QString family = parts.takeFirst();
    return family + QStringLiteral(", ") + parts.join(QLatin1Char(' ')).simplified();
}

QTreeWidgetItem *studyRow(const pacs::QueryMatch &m)
{
    auto *item = new QTreeWidgetItem(
        {personName(m.patientName), text(m.patientId), formatDicomDate(m.studyDate),
         text(m.modalitiesInStudy).replace(QLatin1Char('\\'), QStringLiteral(", ")),
         text(m.studyDescription), text(m.accessionNumber), count(m.relatedInstances)});
    item->setData(0, LevelRole, kStudyLevel);
    item->setData(0, StudyRole, text(m.studyInstanceUid));
    item->setChildIndicatorPolicy(QTreeWidgetItem::ShowIndicator); // series come when opened
    return item;
}

QTreeWidgetItem *seriesRow(const pacs::QueryMatch &m, const QString &studyUid)
{
    auto *series = new QTreeWidgetItem(
        {QCoreApplication::translate("cxr::ui::PacsPage", "Series %1").arg(text(m.seriesNumber)),
         QString(), QString(), text(m.modality), text(m.seriesDescription), QString(),
         count(m.relatedInstances)});
    series->setData(0, LevelRole, kSeriesLevel);
    series->setData(0, StudyRole, studyUid);
    series->setData(0, SeriesRole, text(m.seriesInstanceUid));
    return series;
}

std::vector<pacs::RetrieveRequest> retrieveRequests(const QList<QTreeWidgetItem *> &selected)
{
    QSet<QString> studies;
    for (const QTreeWidgetItem *item : selected) {
        if (item->data(0, LevelRole).toInt() == kStudyLevel) {
            studies.insert(item->data(0, StudyRole).toString());
        }
    }
    std::vector<pacs::RetrieveRequest> requests;
    for (const QTreeWidgetItem *item : selected) {
        const QString study = item->data(0, StudyRole).toString();
        const bool isSeries = item->data(0, LevelRole).toInt() == kSeriesLevel;
        if (isSeries && studies.contains(study)) {
            continue;
        }
        pacs::RetrieveRequest request;
        request.studyInstanceUid = study.toStdString();
        if (isSeries) {
            request.seriesInstanceUid = item->data(0, SeriesRole).toString().toStdString();
        }
        requests.push_back(request);
    }
    return requests;
}

QString firstImage(const std::vector<std::filesystem::path> &files)
{
    std::vector<std::filesystem::path> sorted = files;
    std::sort(sorted.begin(), sorted.end());
    for (const auto &file : sorted) {
        imaging::ImageHeaderInfo info;
        const auto format = imaging::sniffFormat(file);
        if (format != imaging::FileFormat::Unknown &&
            imaging::imageHeaderProblem(file, format, info).empty()) {
            return QString::fromStdString(file.string());
        }
    }
    return {};
}

} // namespace cxr::ui
