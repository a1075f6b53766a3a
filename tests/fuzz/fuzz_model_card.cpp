// SPDX-License-Identifier: MIT
// The model card reader: any bytes as model/model.json. A card that reads is written back with
// writeModelCard (as approving or calibrating a model does) and read again: what decides a
// prediction (the input, classes, threshold, calibration, guard, weights' digest) must survive.
#include "core/ml/model_card.h"
#include "tests/fuzz/fuzz_input_file.h"

#include <cstdio>
#include <cstdlib>
#include <tuple>

namespace {

auto decisive(const cxr::ml::ModelCard &card)
{
    const cxr::ml::ModelSpec &s = card.spec;
    const bool custom = s.architecture == "custom-cnn";
    return std::make_tuple(
        s.architecture, s.inputSize, s.channels, s.resize, s.interpolation, s.normalisation,
        s.classNames, s.threshold, custom ? s.custom.blocks : 0, custom ? s.custom.filters : 0,
        custom ? s.custom.kernelSize : 0, custom ? s.custom.dropout : 0.0,
        custom ? s.custom.batchNorm : false, card.weightsSha256, card.calibration.temperature,
        card.calibration.bias, card.ood.method, card.ood.file, card.ood.sha256, card.ood.threshold,
        card.population.minAgeYears, card.population.maxAgeYears, card.ensembleMembers,
        card.ensembleMemberSha256, card.sawTestSplit, card.approvedForUse, card.trainedOn);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    using namespace cxr;
    const auto file = fuzz::inputFolder().write("model.json", data, size);
    auto card = ml::readModelCard(file);
    if (!card) {
        return 0;
    }
    const auto again = fuzz::inputFolder().dir() / "again.json";
    if (auto written = ml::writeModelCard(again, *card); !written) {
        std::fprintf(stderr, "fuzz: a card that reads cannot be written: %s\n",
                     written.error().message.c_str());
        std::abort();
    }
    auto reread = ml::readModelCard(again);
    if (!reread) {
        std::fprintf(stderr, "fuzz: a card written by writeModelCard is refused: %s\n",
                     reread.error().message.c_str());
        std::abort();
    }
    if (decisive(*reread) != decisive(*card)) {
        std::fprintf(stderr, "fuzz: a card changed on its way through writeModelCard\n");
        std::abort();
    }
    return 0;
}
