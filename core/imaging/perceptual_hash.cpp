// SPDX-License-Identifier: MIT
#include "core/imaging/perceptual_hash.h"

#include "core/imaging/image_loader.h"

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include <bitset>
#include <cstdlib>

namespace cxr::imaging {

Result<ImageFingerprint> fingerprintImage(const std::filesystem::path &path)
{
    LoadOptions options;
    options.reduceTo = 64; // a large JPEG decodes at 1/8 size: plenty for 32x32
    options.keepValues = false;
    auto image = loadImage(path, options);
    if (!image) {
        return image.error();
    }
    cv::Mat grey = image->display;
    if (grey.channels() == 3) {
        cv::cvtColor(grey, grey, cv::COLOR_BGR2GRAY);
    }
    ImageFingerprint fingerprint;
    cv::Mat small;
    cv::resize(grey, small, cv::Size(9, 8), 0, 0, cv::INTER_AREA);
    for (int y = 0; y < 8; ++y) {
        for (int x = 0; x < 8; ++x) {
            fingerprint.differenceHash =
                (fingerprint.differenceHash << 1) |
                (small.at<unsigned char>(y, x) > small.at<unsigned char>(y, x + 1) ? 1 : 0);
        }
    }
    cv::Mat thumb;
    cv::resize(grey, thumb, cv::Size(32, 32), 0, 0, cv::INTER_AREA);
    cv::Scalar mean;
    cv::Scalar deviation;
    cv::meanStdDev(thumb, mean, deviation);
    const double scale = 48.0 / std::max(1.0, deviation[0]);
    cv::Mat normalised;
    thumb.convertTo(normalised, CV_8U, scale, 128.0 - mean[0] * scale);
    std::copy(normalised.begin<unsigned char>(), normalised.end<unsigned char>(),
              fingerprint.thumbnail.begin());
    return fingerprint;
}

int hammingDistance(std::uint64_t a, std::uint64_t b)
{
    return int(std::bitset<64>(a ^ b).count());
}

double thumbnailDifference(const ImageFingerprint &a, const ImageFingerprint &b)
{
    long total = 0;
    for (std::size_t i = 0; i < a.thumbnail.size(); ++i) {
        total += std::abs(int(a.thumbnail[i]) - int(b.thumbnail[i]));
    }
    return double(total) / double(a.thumbnail.size());
}

bool nearDuplicates(const ImageFingerprint &a, const ImageFingerprint &b)
{
    return hammingDistance(a.differenceHash, b.differenceHash) <= 10 &&
           thumbnailDifference(a, b) <= 6.0;
}

} // namespace cxr::imaging
