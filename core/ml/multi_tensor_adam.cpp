// SPDX-License-Identifier: MIT
#include "core/ml/torch_multi_tensor_adam.h"

#include <cmath>
#include <map>
#include <sstream>
#include <string>
#include <type_traits>

namespace cxr::ml {

namespace {

// The key LibTorch files a parameter's state under: its TensorImpl's address, printed (LibTorch
// 1.x) or as it is (2.x).
template <typename StateMap> typename StateMap::key_type stateKey(const torch::Tensor &parameter)
{
    if constexpr (std::is_same_v<typename StateMap::key_type, std::string>) {
        std::ostringstream key;
        key << parameter.unsafeGetTensorImpl();
        return key.str();
    } else {
        return parameter.unsafeGetTensorImpl();
    }
}

// A parameter's state in optimizer, created (zero moments, step 0) if it has none yet.
template <typename ParamState>
ParamState &stateOf(torch::optim::Optimizer &optimizer, const torch::Tensor &parameter)
{
    auto &states = optimizer.state();
    using StateMap = std::remove_reference_t<decltype(states)>;
    auto &slot = states[stateKey<StateMap>(parameter)];
    if (!slot) {
        auto fresh = std::make_unique<ParamState>();
        fresh->exp_avg(torch::zeros_like(parameter, torch::MemoryFormat::Preserve));
        fresh->exp_avg_sq(torch::zeros_like(parameter, torch::MemoryFormat::Preserve));
        slot = std::move(fresh);
    }
    return static_cast<ParamState &>(*slot);
}

template <typename ParamState, typename Options>
std::vector<AdamSlot> slotsOf(torch::optim::Optimizer &optimizer)
{
    std::vector<AdamSlot> slots;
    if (optimizer.param_groups().size() != 1 ||
        static_cast<const Options &>(optimizer.param_groups()[0].options()).amsgrad()) {
        return slots;
    }
    for (const torch::Tensor &parameter : optimizer.param_groups()[0].params()) {
        if (parameter.requires_grad()) {
            auto &state = stateOf<ParamState>(optimizer, parameter);
            slots.push_back({parameter, state.exp_avg(), state.exp_avg_sq(), &state.step()});
        }
    }
    return slots;
}

template <typename Options>
AdamHyper hyperOf(const torch::optim::OptimizerOptions &groupOptions, bool decoupled)
{
    const auto &options = static_cast<const Options &>(groupOptions);
    return {options.lr(),  std::get<0>(options.betas()), std::get<1>(options.betas()),
            options.eps(), options.weight_decay(),       decoupled};
}

// The parameters of one group that step together: the same step count, so the same bias
// corrections. Every parameter of a network is in one such set unless some had no gradient in
// earlier steps (a frozen backbone, for instance).
struct StepSet {
    std::vector<torch::Tensor> parameters;
    std::vector<torch::Tensor> gradients;
    std::vector<torch::Tensor> averages;       // first moments
    std::vector<torch::Tensor> squareAverages; // second moments
};

// One step of the parameters in set, at step count step (already counted), exactly as
// torch::optim::Adam/AdamW computes it parameter by parameter.
void stepSet(StepSet &set, std::int64_t step, const AdamHyper &h)
{
    std::vector<torch::Tensor> gradients = set.gradients;
    if (h.weightDecay != 0) {
        if (h.decoupled) {
            torch::_foreach_mul_(set.parameters, 1 - h.rate * h.weightDecay);
        } else {
            gradients = torch::_foreach_add(gradients, set.parameters, h.weightDecay);
        }
    }
    const double correction1 = 1 - std::pow(h.beta1, double(step));
    const double correction2 = 1 - std::pow(h.beta2, double(step));
    torch::_foreach_mul_(set.averages, h.beta1);
    torch::_foreach_add_(set.averages, gradients, 1 - h.beta1);
    torch::_foreach_mul_(set.squareAverages, h.beta2);
    torch::_foreach_addcmul_(set.squareAverages, gradients, gradients, 1 - h.beta2);
    std::vector<torch::Tensor> denominators = torch::_foreach_sqrt(set.squareAverages);
    torch::_foreach_div_(denominators, std::sqrt(correction2));
    torch::_foreach_add_(denominators, h.eps);
    torch::_foreach_addcdiv_(set.parameters, set.averages, denominators, -h.rate / correction1);
}

// Where the multi-tensor step pays (see the header).
bool onCuda(const torch::optim::Optimizer &optimizer)
{
    for (const auto &group : optimizer.param_groups()) {
        if (!group.params().empty()) {
            return group.params().front().is_cuda();
        }
    }
    return false;
}

// The multi-tensor step for every group of optimizer; false when a group asks for what it does
// not do (AMSGrad), which LibTorch's own step then does, before anything has changed.
template <typename ParamState, typename Options>
bool multiTensorStep(torch::optim::Optimizer &optimizer, bool decoupled, bool onCpu)
{
    if (!onCpu && !onCuda(optimizer)) {
        return false;
    }
    for (const auto &group : optimizer.param_groups()) {
        if (static_cast<const Options &>(group.options()).amsgrad()) {
            return false;
        }
    }
    for (auto &group : optimizer.param_groups()) {
        std::map<std::int64_t, StepSet> sets;
        for (const torch::Tensor &parameter : group.params()) {
            if (!parameter.grad().defined()) {
                continue;
            }
            auto &state = stateOf<ParamState>(optimizer, parameter);
            state.step(state.step() + 1);
            StepSet &set = sets[state.step()];
            set.parameters.push_back(parameter);
            set.gradients.push_back(parameter.grad());
            set.averages.push_back(state.exp_avg());
            set.squareAverages.push_back(state.exp_avg_sq());
        }
        const AdamHyper hyper = hyperOf<Options>(group.options(), decoupled);
        for (auto &[step, set] : sets) {
            stepSet(set, step, hyper);
        }
    }
    return true;
}

torch::Tensor lossOf(const torch::optim::Optimizer::LossClosure &closure)
{
    if (!closure) {
        return {};
    }
    torch::AutoGradMode enableGrad(true);
    return closure();
}

} // namespace

std::vector<AdamSlot> adamSlots(torch::optim::Optimizer &optimizer)
{
    if (dynamic_cast<torch::optim::AdamW *>(&optimizer) != nullptr) {
        return slotsOf<torch::optim::AdamWParamState, torch::optim::AdamWOptions>(optimizer);
    }
    if (dynamic_cast<torch::optim::Adam *>(&optimizer) != nullptr) {
        return slotsOf<torch::optim::AdamParamState, torch::optim::AdamOptions>(optimizer);
    }
    return {};
}

AdamHyper adamHyper(const torch::optim::Optimizer &optimizer)
{
    if (dynamic_cast<const torch::optim::AdamW *>(&optimizer) != nullptr) {
        return hyperOf<torch::optim::AdamWOptions>(optimizer.param_groups()[0].options(), true);
    }
    return hyperOf<torch::optim::AdamOptions>(optimizer.param_groups()[0].options(), false);
}

torch::Tensor MultiTensorAdam::step(LossClosure closure)
{
    torch::NoGradGuard noGrad;
    torch::Tensor loss = lossOf(closure);
    if (!multiTensorStep<torch::optim::AdamParamState, torch::optim::AdamOptions>(*this, false,
                                                                                  m_onCpu)) {
        torch::optim::Adam::step(nullptr);
    }
    return loss;
}

torch::Tensor MultiTensorAdamW::step(LossClosure closure)
{
    torch::NoGradGuard noGrad;
    torch::Tensor loss = lossOf(closure);
    if (!multiTensorStep<torch::optim::AdamWParamState, torch::optim::AdamWOptions>(*this, true,
                                                                                    m_onCpu)) {
        torch::optim::AdamW::step(nullptr);
    }
    return loss;
}

} // namespace cxr::ml
