// SPDX-License-Identifier: MIT
#pragma once

// Internal to core/pacs: what every result object (SR, SC, parametric map) takes from its source
// image, and the values they share, so that the three land in the same study the same way.

#include "core/common/result.h"

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcfilefo.h>

#include <filesystem>
#include <string>

namespace cxr::pacs {

// Series numbers of the result series: high, so that they sort after the acquired ones.
inline constexpr const char *kReportSeriesNumber = "9901";
inline constexpr const char *kCaptureSeriesNumber = "9902";
inline constexpr const char *kMapSeriesNumber = "9903";
inline constexpr const char *kResultSeriesDescription = "CXR Studio AI result (research use only)";
// Concepts without a standard code: a private coding scheme (PS3.16 8.2: "99" prefix).
inline constexpr const char *kPrivateScheme = "99CXR";

struct ResultSource {
    DcmFileFormat file;
    std::string studyUid, seriesUid, sopInstanceUid, sopClassUid;
};

// Reads the source's header (large values such as the pixel data stay in the file). Its Study
// Instance, SOP Instance and SOP Class UIDs must be there: without them a result cannot be
// placed beside it, and the error says so, naming the file.
Status readResultSource(const std::filesystem::path &path, ResultSource &source);

// The Patient and General Study modules (PS3.3 C.7.1.1, C.7.2.1) with the patient's age, copied
// as they are; the type 2 attributes are written empty when the source lacks them.
void copyPatientAndStudy(DcmDataset &from, DcmDataset &to);

std::string decimalText(double x); // "0.8123": four decimals, as the results show them
std::string todayText();           // DICOM DA of today
std::string nowText();             // DICOM TM of now

} // namespace cxr::pacs
