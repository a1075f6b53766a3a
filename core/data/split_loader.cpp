// SPDX-License-Identifier: MIT
#include "core/data/split_loader.h"

#include "core/common/parallel_for.h"

#include <algorithm>

namespace cxr::data {

bool decodeModelInputs(const DatasetFile *const *files, std::size_t count,
                       const imaging::ModelInputSpec &spec, std::uint8_t *out, char *decoded,
                       Error *errors, ProgressObserver *observer)
{
    const std::size_t imageSize =
        std::size_t(spec.channels) * std::size_t(spec.size) * std::size_t(spec.size);
    return parallelFor(
        count,
        [&](std::size_t i) {
            auto input = imaging::loadModelInputBytes(files[i]->path, spec);
            if (input) {
                std::copy(input->begin(), input->end(), out + i * imageSize);
                decoded[i] = 1;
            } else {
                decoded[i] = 0;
                errors[i] = input.error();
            }
        },
        observer);
}

Result<ImageArrays> loadSplit(const DatasetIndex &index, const std::string &split,
                              const imaging::ModelInputSpec &spec, LoadReport &report,
                              ProgressObserver *observer)
{
    const std::vector<const DatasetFile *> files = index.filesOf(split);
    if (files.empty()) {
        return makeError(ErrorCode::InvalidDataset,
                         index.root.string() + ": split '" + split + "' is missing or empty");
    }
    ImageArrays arrays;
    arrays.channels = spec.channels;
    arrays.height = spec.size;
    arrays.width = spec.size;
    const std::size_t imageSize = arrays.imageSize();
    std::vector<std::uint8_t> pixels(files.size() * imageSize);
    std::vector<char> decoded(files.size(), 0);
    std::vector<Error> errors(files.size());

    if (!decodeModelInputs(files.data(), files.size(), spec, pixels.data(), decoded.data(),
                           errors.data(), observer)) {
        return makeError(ErrorCode::Cancelled, "loading the " + split + " split was cancelled");
    }

    std::size_t kept = 0; // images that decoded, compacted in place to the front
    for (std::size_t i = 0; i < files.size(); ++i) {
        if (!decoded[i]) {
            // Loader messages start with the path; the problem keeps the path separately.
            const std::string prefix = files[i]->path.string() + ": ";
            std::string reason = errors[i].message;
            if (reason.compare(0, prefix.size(), prefix) == 0) {
                reason.erase(0, prefix.size());
            }
            report.failures.push_back({files[i]->path, reason});
            continue;
        }
        if (kept != i) {
            std::copy_n(pixels.begin() + std::ptrdiff_t(i * imageSize), imageSize,
                        pixels.begin() + std::ptrdiff_t(kept * imageSize));
        }
        ++kept;
        arrays.labels.push_back(files[i]->label);
        arrays.paths.push_back(files[i]->path.string());
    }
    pixels.resize(kept * imageSize);
    arrays.pixels = PixelBuffer(std::move(pixels));
    return arrays;
}

} // namespace cxr::data
