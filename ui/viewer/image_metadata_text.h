// SPDX-License-Identifier: MIT
#pragma once

#include "core/imaging/display_window.h"
#include "core/imaging/image.h"

#include <QPoint>
#include <QString>

namespace cxr::ui {

// A value or window figure as the Viewer prints it: six significant digits.
QString valueText(double value);

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

// The image's value at a pixel inside it: the modality value with its unit (HU for CT) when the
// file has one, otherwise the displayed RGB.
QString pixelValueText(const imaging::Image &image, QPoint pixel);

} // namespace cxr::ui
