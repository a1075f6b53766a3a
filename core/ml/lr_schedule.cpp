// SPDX-License-Identifier: MIT
#include "core/ml/lr_schedule.h"

#include <algorithm>
#include <cmath>

namespace cxr::ml {

const char *scheduleName(ScheduleKind kind)
{
    return nameOf(kScheduleNames, kind);
}

std::optional<ScheduleKind> parseSchedule(const std::string &name)
{
    return valueNamed(kScheduleNames, name);
}

std::string validateSchedule(const ScheduleSettings &s)
{
    if (!(s.factor > 0 && s.factor < 1)) {
        return "plateau factor must be between 0 and 1";
    }
    if (s.patience < 0 || s.cooldown < 0) {
        return "plateau patience and cooldown must not be negative";
    }
    if (!(s.minLr >= 0 && s.minLr < 1)) {
        return "minimum learning rate must be in [0, 1)";
    }
    if (s.stepEpochs < 1 || !(s.gamma > 0 && s.gamma <= 1)) {
        return "step schedule needs step epochs >= 1 and gamma in (0, 1]";
    }
    if (s.warmupEpochs < 0) {
        return "warm-up epochs must not be negative";
    }
    return {};
}

LearningRateSchedule::LearningRateSchedule(const ScheduleSettings &settings, double baseRate,
                                           int epochs, std::int64_t stepsPerEpoch)
    : m_settings(settings), m_baseRate(baseRate), m_epochs(std::max(1, epochs)),
      m_stepsPerEpoch(std::max<std::int64_t>(1, stepsPerEpoch))
{
    m_state.plateauRate = baseRate;
}

double LearningRateSchedule::rateAt(int epoch, std::int64_t step) const
{
    constexpr double kPi = 3.141592653589793;
    const double totalSteps = double(m_epochs) * double(m_stepsPerEpoch);
    switch (m_settings.kind) {
    case ScheduleKind::Constant:
        return m_baseRate;
    case ScheduleKind::Plateau:
        return m_state.plateauRate;
    case ScheduleKind::Step:
        return m_baseRate * std::pow(m_settings.gamma, double((epoch - 1) / m_settings.stepEpochs));
    case ScheduleKind::CosineWarmup: {
        const double warmupSteps = double(m_settings.warmupEpochs) * double(m_stepsPerEpoch);
        if (double(step) < warmupSteps) {
            return m_baseRate * double(step + 1) / warmupSteps;
        }
        const double progress =
            std::min(1.0, (double(step) - warmupSteps) / std::max(1.0, totalSteps - warmupSteps));
        return m_settings.minLr +
               (m_baseRate - m_settings.minLr) * 0.5 * (1 + std::cos(kPi * progress));
    }
    case ScheduleKind::OneCycle: {
        // PyTorch's OneCycleLR defaults: cosine annealing, 30% rising, div 25, final div 1e4.
        const double initial = m_baseRate / 25;
        const double final = initial / 1e4;
        const double peak = 0.3 * totalSteps;
        if (double(step) <= peak) {
            const double t = double(step) / std::max(1.0, peak);
            return initial + (m_baseRate - initial) * 0.5 * (1 - std::cos(kPi * t));
        }
        const double t = std::min(1.0, (double(step) - peak) / std::max(1.0, totalSteps - peak));
        return final + (m_baseRate - final) * 0.5 * (1 + std::cos(kPi * t));
    }
    }
    return m_baseRate;
}

void LearningRateSchedule::epochEnded(double validationLoss)
{
    if (m_settings.kind != ScheduleKind::Plateau) {
        return;
    }
    // PyTorch's ReduceLROnPlateau in "min" mode with a relative threshold of 1e-4.
    if (validationLoss < m_state.bestLoss * (1 - 1e-4)) {
        m_state.bestLoss = validationLoss;
        m_state.badEpochs = 0;
    } else {
        ++m_state.badEpochs;
    }
    if (m_state.cooldownLeft > 0) {
        --m_state.cooldownLeft;
        m_state.badEpochs = 0;
    }
    if (m_state.badEpochs > m_settings.patience) {
        m_state.plateauRate = std::max(m_settings.minLr, m_state.plateauRate * m_settings.factor);
        m_state.cooldownLeft = m_settings.cooldown;
        m_state.badEpochs = 0;
    }
}

} // namespace cxr::ml
