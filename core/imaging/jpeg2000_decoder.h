// SPDX-License-Identifier: MIT
#pragma once

// JPEG 2000 decoding through OpenJPEG, for the DICOM loader's JPEG 2000 codec and for the
// benchmark that compares it with OpenJPEG's own opj_decompress.

#include "core/common/result.h"

#include <cstddef>
#include <cstdint>

namespace cxr::imaging {

// The uncompressed layout that a DICOM header promises for one frame.
struct PixelLayout {
    int rows = 0;
    int columns = 0;
    int samplesPerPixel = 1;
    int bitsAllocated = 16; // 8, 16 or 32
    bool planar = false;    // PlanarConfiguration 1: all of one sample, then the next

    std::size_t frameBytes() const
    {
        return std::size_t(rows) * std::size_t(columns) * std::size_t(samplesPerPixel) *
               std::size_t(bitsAllocated / 8);
    }
};

// What the codestream itself says, for messages and checks.
struct Jpeg2000Info {
    int precision = 0; // bits per sample of the first component
    bool isSigned = false;
    bool reversible = false; // lossless wavelet (5/3)
};

// Decodes one JPEG 2000 codestream (raw J2K, or a JP2 file that some writers put in DICOM
// against the standard) held in memory into out, which holds layout.frameBytes() bytes: each
// sample as a two's complement integer of bitsAllocated bits in host byte order, so that the
// DICOM header's Pixel Representation and Bits Stored decide what the bits mean, as they do for
// every other transfer syntax. The inverse multi-component transform (YBR_RCT, YBR_ICT) is
// applied by OpenJPEG, so colour comes out as RGB. A codestream whose size, component count,
// sub-sampling or precision disagrees with the layout is an error naming both. threads: the
// decoder's worker threads (1 for none). Messages do not name the file.
Result<Jpeg2000Info> decodeJpeg2000(const std::uint8_t *data, std::size_t size,
                                    const PixelLayout &layout, void *out, int threads = 1);

} // namespace cxr::imaging
