// SPDX-License-Identifier: MIT
#include "core/ml/models.h"

#include "core/ml/sequential_range.h"
#include "core/ml/torch_batch_norm.h"
#include "core/ml/torch_includes.h"
#include "core/ml/zoo_imagenet.h"

#include <algorithm>
#include <stdexcept>

namespace cxr::ml {
namespace {

namespace nn = torch::nn;

// conv (same padding) -> [batch norm] -> ReLU -> 2x2 max pool: halves the resolution. The ReLUs
// here and in the model zoo work in place where nothing else reads their input (the backward
// passes of convolutions, batch norms and linear layers need their inputs, not their outputs):
// one activation-sized buffer less to allocate and write per layer.
void appendConvBlock(nn::Sequential &body, int inChannels, int outChannels, int kernel,
                     bool batchNorm)
{
    body->push_back(nn::Conv2d(
        nn::Conv2dOptions(inChannels, outChannels, kernel).padding(kernel / 2).bias(!batchNorm)));
    if (batchNorm) {
        body->push_back(SyncBatchNorm2d(outChannels));
    }
    body->push_back(nn::ReLU(nn::ReLUOptions(true)));
    body->push_back(nn::MaxPool2d(nn::MaxPool2dOptions(2)));
}

// Conv blocks with doubling filters, global average pooling, dropout and one linear layer.
// "small-cnn" is the fixed 16-32-64-128 instance that trains in seconds on a CPU;
// "custom-cnn" takes its shape from CustomCnnOptions.
class SmallCnnImpl : public ClassifierNetImpl {
public:
    SmallCnnImpl(int channels, int logits, const CustomCnnOptions &options)
    {
        nn::Sequential body;
        int inChannels = channels;
        for (int block = 0; block < options.blocks; ++block) {
            const int filters = options.filters << block;
            appendConvBlock(body, inChannels, filters, options.kernelSize, options.batchNorm);
            inChannels = filters;
        }
        m_blockLength = options.batchNorm ? 4 : 3;
        m_blocks = std::size_t(options.blocks);
        m_body = register_module("body", body);
        m_dropout = register_module("dropout", nn::Dropout(options.dropout));
        m_classifier = register_module("classifier", nn::Linear(inChannels, logits));
    }
    torch::Tensor computeFeatures(const torch::Tensor &input) override
    {
        return m_body->forward(input);
    }
    std::vector<std::string> stageNames() const override
    {
        std::vector<std::string> names;
        for (std::size_t block = 1; block <= m_blocks; ++block) {
            names.push_back("block" + std::to_string(block));
        }
        return names;
    }
    torch::Tensor computeStage(std::size_t index, const torch::Tensor &x) override
    {
        return forwardRange(m_body, index * m_blockLength, (index + 1) * m_blockLength, x);
    }
    torch::Tensor head(const torch::Tensor &featureMap) override
    {
        auto pooled = torch::adaptive_avg_pool2d(featureMap, {1, 1}).flatten(1);
        return m_classifier->forward(m_dropout->forward(pooled));
    }

private:
    std::size_t m_blockLength = 3; // modules per conv block
    std::size_t m_blocks = 0;
    nn::Sequential m_body{nullptr};
    nn::Dropout m_dropout{nullptr};
    nn::Linear m_classifier{nullptr};
};

// LeNet-5 as the thesis adapted it to 224 px input: 5x5 convolutions with 6 and 16 filters,
// average pooling, then 120-84 fully connected layers. The flattened size follows the input.
class LeNet5Impl : public ClassifierNetImpl {
public:
    LeNet5Impl(int channels, int inputSize, int logits)
    {
        m_conv1 = register_module("conv1", nn::Conv2d(nn::Conv2dOptions(channels, 6, 5)));
        m_conv2 = register_module("conv2", nn::Conv2d(nn::Conv2dOptions(6, 16, 5)));
        const int side = ((inputSize - 4) / 2 - 4) / 2;
        m_fc1 = register_module("fc1", nn::Linear(16 * side * side, 120));
        m_fc2 = register_module("fc2", nn::Linear(120, 84));
        m_fc3 = register_module("fc3", nn::Linear(84, logits));
    }
    torch::Tensor computeFeatures(const torch::Tensor &input) override
    {
        return computeStage(1, computeStage(0, input));
    }
    std::vector<std::string> stageNames() const override { return {"conv1", "conv2"}; }
    torch::Tensor computeStage(std::size_t index, const torch::Tensor &x) override
    {
        return index == 0 ? torch::avg_pool2d(torch::relu(m_conv1->forward(x)), 2)
                          : torch::relu(m_conv2->forward(x));
    }
    torch::Tensor head(const torch::Tensor &featureMap) override
    {
        auto x = torch::avg_pool2d(featureMap, 2).flatten(1);
        x = torch::relu(m_fc1->forward(x));
        x = torch::relu(m_fc2->forward(x));
        return m_fc3->forward(x);
    }

private:
    nn::Conv2d m_conv1{nullptr};
    nn::Conv2d m_conv2{nullptr};
    nn::Linear m_fc1{nullptr};
    nn::Linear m_fc2{nullptr};
    nn::Linear m_fc3{nullptr};
};

} // namespace

torch::Tensor forwardRange(nn::Sequential &sequential, std::size_t begin, std::size_t end,
                           torch::Tensor x)
{
    for (std::size_t i = begin; i < end && i < sequential->size(); ++i) {
        x = (sequential->begin() + std::ptrdiff_t(i))->forward(x);
    }
    return x;
}

std::vector<std::string> knownArchitectures()
{
    return {"small-cnn", "custom-cnn", "lenet5",   "alexnet",
            "vgg16",     "resnet18",   "resnet50", "densenet121"};
}

std::string validateCustomCnn(const CustomCnnOptions &o, int inputSize)
{
    if (o.blocks < 1 || o.blocks > 8) {
        return "custom CNN blocks must be between 1 and 8 (got " + std::to_string(o.blocks) + ")";
    }
    if (o.filters < 1 || o.filters > 512 || (std::int64_t(o.filters) << (o.blocks - 1)) > 4096) {
        return "custom CNN filters must be between 1 and 512, and at most 4096 in the last "
               "block (got " +
               std::to_string(o.filters) + ")";
    }
    if (o.kernelSize < 1 || o.kernelSize > 11 || o.kernelSize % 2 == 0) {
        return "custom CNN kernel size must be odd, from 1 to 11 (got " +
               std::to_string(o.kernelSize) + ")";
    }
    if (!(o.dropout >= 0 && o.dropout < 1)) {
        return "custom CNN dropout must be in [0, 1)";
    }
    if ((inputSize >> o.blocks) < 1) {
        return "custom CNN: " + std::to_string(o.blocks) + " blocks halve a " +
               std::to_string(inputSize) + " px input to nothing; use fewer blocks";
    }
    return {};
}

bool isKnownArchitecture(const std::string &name)
{
    for (const auto &known : knownArchitectures()) {
        if (known == name) {
            return true;
        }
    }
    return false;
}

bool isKnownResize(const std::string &name)
{
    return name == "squash" || name == "letterbox";
}

std::vector<std::string> knownNormalisations()
{
    return {"scale01", "equalise"};
}

bool isKnownNormalisation(const std::string &name)
{
    const auto names = knownNormalisations();
    return std::find(names.begin(), names.end(), name) != names.end();
}

bool isHeadTensor(const std::string &architecture, const std::string &name)
{
    auto startsWith = [&name](const char *prefix) { return name.rfind(prefix, 0) == 0; };
    if (architecture == "lenet5") {
        return startsWith("fc");
    }
    if (architecture == "resnet18" || architecture == "resnet50") {
        return startsWith("fc.");
    }
    return startsWith("classifier."); // the CNNs, AlexNet, VGG16 and DenseNet-121
}

int logitCount(std::size_t classCount)
{
    return classCount <= 2 ? 1 : int(classCount);
}

namespace {

ClassifierNet makeLayers(const ModelSpec &spec)
{
    const int logits = logitCount(spec.classNames.size());
    if (spec.architecture == "small-cnn") {
        CustomCnnOptions small;
        small.filters = 16;
        return std::make_shared<SmallCnnImpl>(spec.channels, logits, small);
    }
    if (spec.architecture == "custom-cnn") {
        return std::make_shared<SmallCnnImpl>(spec.channels, logits, spec.custom);
    }
    if (spec.architecture == "lenet5") {
        return std::make_shared<LeNet5Impl>(spec.channels, spec.inputSize, logits);
    }
    if (ClassifierNet net = makeImageNetArchitecture(spec.architecture, spec.channels, logits)) {
        return net;
    }
    throw std::invalid_argument("unknown architecture " + spec.architecture);
}

} // namespace

ClassifierNet makeClassifierNet(const ModelSpec &spec)
{
    ClassifierNet net = makeLayers(spec);
    net->setEqualiseInput(equalisesGreyLevels(spec));
    return net;
}

} // namespace cxr::ml
