// SPDX-License-Identifier: MIT
// The ImageNet architectures of the zoo, with torchvision's module names and layer order, so
// that a torchvision state_dict imports by name and an exported one loads in torchvision.
#include "core/ml/zoo_imagenet.h"

#include "core/ml/sequential_range.h"
#include "core/ml/torch_batch_norm.h"
#include "core/ml/torch_includes.h"

namespace cxr::ml {
namespace {

namespace nn = torch::nn;

// The zoo's ReLUs work in place, as torchvision's do (why: models.cpp, appendConvBlock).
const nn::ReLUOptions inPlace(true);

torch::Tensor reluInPlace(const torch::Tensor &x)
{
    return x.relu_();
}

nn::Conv2d conv(int in, int out, int kernel, int stride = 1, int padding = 0, bool bias = true)
{
    return nn::Conv2d(
        nn::Conv2dOptions(in, out, kernel).stride(stride).padding(padding).bias(bias));
}

// ---- AlexNet (torchvision's single-GPU variant, which has no local response normalisation)

class AlexNetImpl : public ClassifierNetImpl {
public:
    AlexNetImpl(int channels, int logits)
    {
        nn::Sequential features(conv(channels, 64, 11, 4, 2), nn::ReLU(inPlace),
                                nn::MaxPool2d(nn::MaxPool2dOptions(3).stride(2)),
                                conv(64, 192, 5, 1, 2), nn::ReLU(inPlace),
                                nn::MaxPool2d(nn::MaxPool2dOptions(3).stride(2)),
                                conv(192, 384, 3, 1, 1), nn::ReLU(inPlace), conv(384, 256, 3, 1, 1),
                                nn::ReLU(inPlace), conv(256, 256, 3, 1, 1), nn::ReLU(inPlace),
                                nn::MaxPool2d(nn::MaxPool2dOptions(3).stride(2)));
        nn::Sequential classifier(nn::Dropout(0.5), nn::Linear(256 * 6 * 6, 4096),
                                  nn::ReLU(inPlace), nn::Dropout(0.5), nn::Linear(4096, 4096),
                                  nn::ReLU(inPlace), nn::Linear(4096, logits));
        m_features = register_module("features", features);
        m_classifier = register_module("classifier", classifier);
    }
    torch::Tensor computeFeatures(const torch::Tensor &input) override
    {
        return m_features->forward(input);
    }
    torch::Tensor head(const torch::Tensor &featureMap) override
    {
        return m_classifier->forward(torch::adaptive_avg_pool2d(featureMap, {6, 6}).flatten(1));
    }

private:
    nn::Sequential m_features{nullptr};
    nn::Sequential m_classifier{nullptr};
};

// ---- VGG16 with the thesis's head: global average pooling, then 4096-4096 with dropout

class Vgg16Impl : public ClassifierNetImpl {
public:
    Vgg16Impl(int channels, int logits)
    {
        nn::Sequential features;
        int in = channels;
        for (int width :
             {64, 64, 0, 128, 128, 0, 256, 256, 256, 0, 512, 512, 512, 0, 512, 512, 512, 0}) {
            if (width == 0) {
                features->push_back(nn::MaxPool2d(nn::MaxPool2dOptions(2).stride(2)));
                m_blockEnds.push_back(features->size()); // a block ends with its max pool
                continue;
            }
            features->push_back(conv(in, width, 3, 1, 1));
            features->push_back(nn::ReLU(inPlace));
            in = width;
        }
        // Indices as torchvision's classifier, so its 4096x4096 layer keeps its name.
        nn::Sequential classifier(nn::Linear(512, 4096), nn::ReLU(inPlace), nn::Dropout(0.5),
                                  nn::Linear(4096, 4096), nn::ReLU(inPlace), nn::Dropout(0.5),
                                  nn::Linear(4096, logits));
        m_features = register_module("features", features);
        m_classifier = register_module("classifier", classifier);
    }
    torch::Tensor computeFeatures(const torch::Tensor &input) override
    {
        return m_features->forward(input);
    }
    std::vector<std::string> stageNames() const override
    {
        std::vector<std::string> names;
        for (std::size_t block = 1; block <= m_blockEnds.size(); ++block) {
            names.push_back("block" + std::to_string(block));
        }
        return names;
    }
    torch::Tensor computeStage(std::size_t index, const torch::Tensor &x) override
    {
        return forwardRange(m_features, index == 0 ? 0 : m_blockEnds[index - 1], m_blockEnds[index],
                            x);
    }
    torch::Tensor head(const torch::Tensor &featureMap) override
    {
        return m_classifier->forward(torch::adaptive_avg_pool2d(featureMap, {1, 1}).flatten(1));
    }

private:
    std::vector<std::size_t> m_blockEnds; // one past each block's last module in m_features
    nn::Sequential m_features{nullptr};
    nn::Sequential m_classifier{nullptr};
};

// ---- ResNet-18 and ResNet-50 (torchvision v1.5: the stride sits on the 3x3 convolution)

nn::Sequential downsample(int in, int out, int stride)
{
    return nn::Sequential(conv(in, out, 1, stride, 0, false), SyncBatchNorm2d(out));
}

class BasicBlockImpl : public nn::Module {
public:
    static constexpr int kExpansion = 1;
    BasicBlockImpl(int in, int planes, int stride)
        : conv1(register_module("conv1", conv(in, planes, 3, stride, 1, false))),
          bn1(register_module("bn1", SyncBatchNorm2d(planes))),
          conv2(register_module("conv2", conv(planes, planes, 3, 1, 1, false))),
          bn2(register_module("bn2", SyncBatchNorm2d(planes)))
    {
        if (stride != 1 || in != planes) {
            shortcut = register_module("downsample", downsample(in, planes, stride));
        }
    }
    torch::Tensor forward(const torch::Tensor &x)
    {
        auto out = reluInPlace(bn1->forward(conv1->forward(x)));
        out = bn2->forward(conv2->forward(out));
        return reluInPlace(out + (shortcut ? shortcut->forward(x) : x));
    }
    nn::Conv2d conv1;
    SyncBatchNorm2d bn1;
    nn::Conv2d conv2;
    SyncBatchNorm2d bn2;
    nn::Sequential shortcut{nullptr};
};

class BottleneckImpl : public nn::Module {
public:
    static constexpr int kExpansion = 4;
    BottleneckImpl(int in, int planes, int stride)
        : conv1(register_module("conv1", conv(in, planes, 1, 1, 0, false))),
          bn1(register_module("bn1", SyncBatchNorm2d(planes))),
          conv2(register_module("conv2", conv(planes, planes, 3, stride, 1, false))),
          bn2(register_module("bn2", SyncBatchNorm2d(planes))),
          conv3(register_module("conv3", conv(planes, planes * kExpansion, 1, 1, 0, false))),
          bn3(register_module("bn3", SyncBatchNorm2d(planes * kExpansion)))
    {
        if (stride != 1 || in != planes * kExpansion) {
            shortcut = register_module("downsample", downsample(in, planes * kExpansion, stride));
        }
    }
    torch::Tensor forward(const torch::Tensor &x)
    {
        auto out = reluInPlace(bn1->forward(conv1->forward(x)));
        out = reluInPlace(bn2->forward(conv2->forward(out)));
        out = bn3->forward(conv3->forward(out));
        return reluInPlace(out + (shortcut ? shortcut->forward(x) : x));
    }
    nn::Conv2d conv1;
    SyncBatchNorm2d bn1;
    nn::Conv2d conv2;
    SyncBatchNorm2d bn2;
    nn::Conv2d conv3;
    SyncBatchNorm2d bn3;
    nn::Sequential shortcut{nullptr};
};

template <typename Block> class ResNetImpl : public ClassifierNetImpl {
public:
    ResNetImpl(int channels, int logits, std::array<int, 4> blocks)
    {
        m_conv1 = register_module("conv1", conv(channels, 64, 7, 2, 3, false));
        m_bn1 = register_module("bn1", SyncBatchNorm2d(64));
        int in = 64;
        const int planes[4] = {64, 128, 256, 512};
        for (int stage = 0; stage < 4; ++stage) {
            nn::Sequential layer;
            for (int b = 0; b < blocks[std::size_t(stage)]; ++b) {
                const int stride = (stage > 0 && b == 0) ? 2 : 1;
                layer->push_back(std::make_shared<Block>(in, planes[stage], stride));
                in = planes[stage] * Block::kExpansion;
            }
            m_layers[stage] = register_module("layer" + std::to_string(stage + 1), layer);
        }
        m_fc = register_module("fc", nn::Linear(in, logits));
    }
    torch::Tensor computeFeatures(const torch::Tensor &input) override
    {
        auto x = input;
        for (std::size_t index = 0; index <= m_layers.size(); ++index) {
            x = computeStage(index, x);
        }
        return x;
    }
    std::vector<std::string> stageNames() const override
    {
        return {"stem", "layer1", "layer2", "layer3", "layer4"};
    }
    torch::Tensor computeStage(std::size_t index, const torch::Tensor &x) override
    {
        if (index == 0) {
            return torch::max_pool2d(reluInPlace(m_bn1->forward(m_conv1->forward(x))), 3, 2, 1);
        }
        return m_layers[index - 1]->forward(x);
    }
    torch::Tensor head(const torch::Tensor &featureMap) override
    {
        return m_fc->forward(torch::adaptive_avg_pool2d(featureMap, {1, 1}).flatten(1));
    }

private:
    nn::Conv2d m_conv1{nullptr};
    SyncBatchNorm2d m_bn1{nullptr};
    std::array<nn::Sequential, 4> m_layers{nn::Sequential{nullptr}, nn::Sequential{nullptr},
                                           nn::Sequential{nullptr}, nn::Sequential{nullptr}};
    nn::Linear m_fc{nullptr};
};

// ---- DenseNet-121 (CheXNet's backbone): growth 32, bottleneck 4, blocks 6-12-24-16

class DenseLayerImpl : public nn::Module {
public:
    DenseLayerImpl(int in, int growth, int bottleneck)
        : norm1(register_module("norm1", SyncBatchNorm2d(in))),
          conv1(register_module("conv1", conv(in, bottleneck * growth, 1, 1, 0, false))),
          norm2(register_module("norm2", SyncBatchNorm2d(bottleneck * growth))),
          conv2(register_module("conv2", conv(bottleneck * growth, growth, 3, 1, 1, false)))
    {}
    torch::Tensor forward(const torch::Tensor &x)
    {
        auto out = conv1->forward(reluInPlace(norm1->forward(x)));
        return conv2->forward(reluInPlace(norm2->forward(out)));
    }
    SyncBatchNorm2d norm1;
    nn::Conv2d conv1;
    SyncBatchNorm2d norm2;
    nn::Conv2d conv2;
};

class DenseBlockImpl : public nn::Module {
public:
    DenseBlockImpl(int layers, int in, int growth, int bottleneck)
    {
        for (int i = 0; i < layers; ++i) {
            m_layers.push_back(register_module(
                "denselayer" + std::to_string(i + 1),
                std::make_shared<DenseLayerImpl>(in + i * growth, growth, bottleneck)));
        }
    }
    torch::Tensor forward(const torch::Tensor &x)
    {
        std::vector<torch::Tensor> maps = {x};
        for (auto &layer : m_layers) {
            maps.push_back(layer->forward(torch::cat(maps, 1)));
        }
        return torch::cat(maps, 1);
    }

private:
    std::vector<std::shared_ptr<DenseLayerImpl>> m_layers;
};

class TransitionImpl : public nn::Module {
public:
    TransitionImpl(int in, int out)
        : norm(register_module("norm", SyncBatchNorm2d(in))),
          conv(register_module("conv", ml::conv(in, out, 1, 1, 0, false)))
    {}
    torch::Tensor forward(const torch::Tensor &x)
    {
        return torch::avg_pool2d(conv->forward(reluInPlace(norm->forward(x))), 2, 2);
    }
    SyncBatchNorm2d norm;
    nn::Conv2d conv;
};

// torchvision's "features" Sequential, with its named children.
class DenseFeaturesImpl : public nn::Module {
public:
    explicit DenseFeaturesImpl(int channels)
    {
        conv0 = register_module("conv0", conv(channels, 64, 7, 2, 3, false));
        norm0 = register_module("norm0", SyncBatchNorm2d(64));
        int features = 64;
        const int layers[4] = {6, 12, 24, 16};
        for (int b = 0; b < 4; ++b) {
            blocks.push_back(
                register_module("denseblock" + std::to_string(b + 1),
                                std::make_shared<DenseBlockImpl>(layers[b], features, 32, 4)));
            features += layers[b] * 32;
            if (b < 3) {
                transitions.push_back(
                    register_module("transition" + std::to_string(b + 1),
                                    std::make_shared<TransitionImpl>(features, features / 2)));
                features /= 2;
            }
        }
        norm5 = register_module("norm5", SyncBatchNorm2d(features));
        outChannels = features;
    }
    torch::Tensor forward(const torch::Tensor &input)
    {
        auto x = input;
        for (std::size_t b = 0; b < blocks.size(); ++b) {
            x = stage(b, x);
        }
        return x;
    }
    // Stage b: dense block b with what follows it (a transition, or the last batch norm); the
    // stem goes with the first.
    torch::Tensor stage(std::size_t b, torch::Tensor x)
    {
        if (b == 0) {
            x = torch::max_pool2d(reluInPlace(norm0->forward(conv0->forward(x))), 3, 2, 1);
        }
        x = blocks[b]->forward(x);
        return b < transitions.size() ? transitions[b]->forward(x) : norm5->forward(x);
    }
    nn::Conv2d conv0{nullptr};
    SyncBatchNorm2d norm0{nullptr};
    std::vector<std::shared_ptr<DenseBlockImpl>> blocks;
    std::vector<std::shared_ptr<TransitionImpl>> transitions;
    SyncBatchNorm2d norm5{nullptr};
    int outChannels = 0;
};

class DenseNet121Impl : public ClassifierNetImpl {
public:
    DenseNet121Impl(int channels, int logits)
    {
        m_features = register_module("features", std::make_shared<DenseFeaturesImpl>(channels));
        m_classifier = register_module("classifier", nn::Linear(m_features->outChannels, logits));
    }
    // The map after the last batch norm, as CheXNet's Grad-CAM uses it; the ReLU is the head's.
    torch::Tensor computeFeatures(const torch::Tensor &input) override
    {
        return m_features->forward(input);
    }
    std::vector<std::string> stageNames() const override
    {
        return {"denseblock1", "denseblock2", "denseblock3", "denseblock4"};
    }
    torch::Tensor computeStage(std::size_t index, const torch::Tensor &x) override
    {
        return m_features->stage(index, x);
    }
    torch::Tensor head(const torch::Tensor &featureMap) override
    {
        auto pooled = torch::adaptive_avg_pool2d(torch::relu(featureMap), {1, 1}).flatten(1);
        return m_classifier->forward(pooled);
    }

private:
    std::shared_ptr<DenseFeaturesImpl> m_features;
    nn::Linear m_classifier{nullptr};
};

} // namespace

ClassifierNet makeImageNetArchitecture(const std::string &architecture, int channels, int logits)
{
    if (architecture == "alexnet") {
        return std::make_shared<AlexNetImpl>(channels, logits);
    }
    if (architecture == "vgg16") {
        return std::make_shared<Vgg16Impl>(channels, logits);
    }
    if (architecture == "resnet18") {
        return std::make_shared<ResNetImpl<BasicBlockImpl>>(channels, logits,
                                                            std::array<int, 4>{2, 2, 2, 2});
    }
    if (architecture == "resnet50") {
        return std::make_shared<ResNetImpl<BottleneckImpl>>(channels, logits,
                                                            std::array<int, 4>{3, 4, 6, 3});
    }
    if (architecture == "densenet121") {
        return std::make_shared<DenseNet121Impl>(channels, logits);
    }
    return nullptr;
}

} // namespace cxr::ml
