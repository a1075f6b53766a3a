// SPDX-License-Identifier: MIT
#pragma once

#include "core/imaging/display_window.h"
#include "core/imaging/image.h"

#include <QString>

namespace cxr::ui {

// How the Viewer shows an image now, beside what the file said.
struct ImageShown {
    imaging::DisplayWindow window; // the window on screen
    bool inverted = false;         // shown light-on-dark reversed
    bool patientIdentifiers = false;
};

// The Viewer's metadata panel as rich text: format, size, DICOM attributes, windows, the
// patient (or "hidden"), then the display steps in the order they were applied, including the
// window and inversion the user changed in the viewer.
QString imageMetadataHtml(const imaging::Image &image, const ImageShown &shown);

} // namespace cxr::ui
