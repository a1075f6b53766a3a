// SPDX-License-Identifier: MIT
// The tensor cache reader: any bytes as a cache file. The key is taken from the input itself
// (a stale key is an easy refusal the fuzzer would otherwise spend its time on). A cache that
// reads must describe exactly the bytes it maps: every label and pixel is read.
#include "core/common/tensor_cache_file.h"
#include "tests/fuzz/fuzz_input_file.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    using namespace cxr;
    const auto file = fuzz::inputFolder().write("split.cxrcache", data, size);
    std::uint64_t key = 0;
    if (size >= 32) {
        std::memcpy(&key, data + 24, 8);
    }
    auto arrays = readTensorCache(file, key);
    if (!arrays) {
        return 0;
    }
    const ImageArrays &a = *arrays;
    const std::size_t imageBytes =
        std::size_t(a.channels) * std::size_t(a.height) * std::size_t(a.width);
    if (a.channels <= 0 || a.height <= 0 || a.width <= 0 ||
        a.pixels.size() != a.count() * imageBytes || a.labels.size() != a.count()) {
        std::fprintf(stderr, "fuzz: a tensor cache read with sizes that do not fit its pixels\n");
        std::abort();
    }
    unsigned sum = 0;
    for (std::size_t i = 0; i < a.pixels.size(); ++i) {
        sum += a.pixels.data()[i];
    }
    for (std::int32_t label : a.labels) {
        sum += unsigned(label);
    }
    volatile unsigned sink = sum;
    (void)sink;
    return 0;
}
