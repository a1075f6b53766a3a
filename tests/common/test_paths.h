// SPDX-License-Identifier: MIT
#pragma once

// Where tests find their inputs. CXR_SOURCE_DIR and CXR_SHARED_DATA_DIR come from CMake.

#include <QDir>
#include <QString>

namespace cxr::test {

inline QString sourcePath(const QString &relative)
{
    return QDir(QStringLiteral(CXR_SOURCE_DIR)).filePath(relative);
}

inline QString demoDataset()
{
    return sourcePath(QStringLiteral("resources/demo"));
}

inline QString dicomFile(const QString &name)
{
    return sourcePath(QStringLiteral("tests/data/dicom/") + name);
}

// Optional reference data next to the repository; tests that need it QSKIP without it.
inline QString sharedData(const QString &relative)
{
    return QDir(QStringLiteral(CXR_SHARED_DATA_DIR)).filePath(relative);
}

} // namespace cxr::test
