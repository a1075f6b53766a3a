// SPDX-License-Identifier: MIT
#pragma once

// Reading what a test wrote or sent: one attribute of a DICOM file.

#include <QString>

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcfilefo.h>

#include <string>

namespace cxr::test {

// The attribute's value (all of a multi-valued one, backslash-separated); "" when the file
// cannot be read or the attribute is absent.
inline std::string dicomAttribute(const QString &path, const DcmTagKey &tag)
{
    DcmFileFormat file;
    OFString value;
    if (file.loadFile(path.toStdString().c_str()).good()) {
        file.getDataset()->findAndGetOFStringArray(tag, value);
    }
    return value.c_str();
}

} // namespace cxr::test
