// SPDX-License-Identifier: MIT
#pragma once

// JPEG 2000 copies of real DICOM files, for golden tests and the decode benchmark: each frame of
// the source's pixel data is encoded by OpenJPEG's encoder, and the copy differs from the source
// only in its transfer syntax (and, for colour, Photometric Interpretation YBR_RCT or YBR_ICT).
// CXR Studio itself only decodes JPEG 2000.

#include <string>

namespace cxr::test {

enum class Jpeg2000Mode { Lossless, Lossy };

// Writes the copy of source to target. Returns an empty string on success, else the problem.
// lossyRatio: the compression ratio of the lossy mode.
std::string writeJpeg2000Copy(const std::string &source, const std::string &target,
                              Jpeg2000Mode mode, double lossyRatio = 10.0);

// The raw codestream of the copy's first frame, for tools that read .j2k files (opj_decompress).
std::string writeJpeg2000Codestream(const std::string &source, const std::string &target,
                                    Jpeg2000Mode mode, double lossyRatio = 10.0);

} // namespace cxr::test
