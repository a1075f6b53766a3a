// SPDX-License-Identifier: MIT
#pragma once

// Internal to core/ml: LibTorch's exception text made fit for a one-line message.

#include <c10/util/Exception.h>

#include <exception>
#include <string>

namespace cxr::ml {

// The first line of e's message, without LibTorch's "Exception raised from ..." trace, and at
// most limit characters.
inline std::string errorSummary(const std::exception &e, std::size_t limit = 200)
{
    const auto *torchError = dynamic_cast<const c10::Error *>(&e);
    std::string text = torchError ? torchError->what_without_backtrace() : e.what();
    text = text.substr(0, text.find('\n'));
    return text.substr(0, limit);
}

} // namespace cxr::ml
