// SPDX-License-Identifier: MIT
#pragma once

// Internal to core/imaging: what a DICOM header must say before DCMTK is given its pixel data.
// DCMTK decodes a file whose pixel data is short (showing the rest black), gets on with
// BitsAllocated, SamplesPerPixel, NumberOfFrames or a transfer syntax that make no sense, and
// one version hangs on a crafted JPEG fragment; each of those was a silent wrong picture or a
// hang. Errors name the problem, not the file (the loader adds it).

#include "core/common/result.h"

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdatset.h>
#include <dcmtk/dcmdata/dcfilefo.h>

namespace cxr::imaging {

// The transfer syntax, the pixel data's presence, the image's size and layout, and (for native
// pixel data) that it holds every frame the header describes.
Status checkDicomHeader(DcmFileFormat &file);

// The JPEG fragments of a JPEG-compressed data set that DCMTK 3.6.7's decoder would hang on,
// checked before DCMTK decodes.
Status jpegFragmentsProblem(DcmDataset &data);

} // namespace cxr::imaging
