// SPDX-License-Identifier: MIT
#pragma once

// Internal to core/imaging: JPEG 2000 (lossless and lossy, transfer syntaxes 1.2.840.10008.1.2.4.90
// to .93) as a DCMTK decoder, so that DCMTK's image pipeline (modality LUT, VOI, polarity) treats
// it as it treats every syntax it decodes itself. DCMTK 3.6 has no JPEG 2000 codec of its own.

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcxfer.h>

namespace cxr::imaging {

// The four JPEG 2000 transfer syntaxes (lossless only, lossless or lossy, and their
// multi-component variants).
bool isJpeg2000(E_TransferSyntax syntax);

// Registers the decoder with DCMTK's codec list; safe to call more than once.
void registerJpeg2000Codec();

} // namespace cxr::imaging
