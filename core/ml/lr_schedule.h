// SPDX-License-Identifier: MIT
#pragma once

// Learning-rate schedules as plain, serialisable state (no LibTorch), so that a resumed run
// continues exactly where the interrupted one stopped.

#include "core/common/enum_names.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace cxr::ml {

enum class ScheduleKind {
    Constant,
    Plateau,      // multiply by factor after patience epochs without a better validation loss
    Step,         // multiply by gamma every stepEpochs
    CosineWarmup, // linear warm-up over warmupEpochs, then cosine decay to minLr
    OneCycle,     // up from lr/25 to lr over the first 30% of steps, then down to lr/1e4
};

struct ScheduleSettings {
    ScheduleKind kind = ScheduleKind::Constant;
    double factor = 0.1;  // plateau
    int patience = 3;     // plateau: epochs without improvement before a cut
    int cooldown = 0;     // plateau: epochs to wait after a cut
    double minLr = 1e-6;  // plateau and cosine floor
    int stepEpochs = 10;  // step
    double gamma = 0.1;   // step
    int warmupEpochs = 1; // cosine
};

inline constexpr EnumNames<ScheduleKind, 5> kScheduleNames{{{ScheduleKind::Constant, "constant"},
                                                            {ScheduleKind::Plateau, "plateau"},
                                                            {ScheduleKind::Step, "step"},
                                                            {ScheduleKind::CosineWarmup, "cosine"},
                                                            {ScheduleKind::OneCycle, "one-cycle"}}};
const char *scheduleName(ScheduleKind kind);
std::optional<ScheduleKind> parseSchedule(const std::string &name);

// Empty when usable, otherwise one line naming the bad setting.
std::string validateSchedule(const ScheduleSettings &settings);

class LearningRateSchedule {
public:
    // Everything that changes during a run; saved in every checkpoint.
    struct State {
        double plateauRate = 0;  // the plateau schedule's current rate
        double bestLoss = 1e300; // best validation loss seen by the plateau schedule
        int badEpochs = 0;
        int cooldownLeft = 0;
    };

    LearningRateSchedule(const ScheduleSettings &settings, double baseRate, int epochs,
                         std::int64_t stepsPerEpoch);

    // The rate for optimiser step `step` (0-based over the whole run) of epoch `epoch` (1-based).
    double rateAt(int epoch, std::int64_t step) const;
    // Tells the schedule how an epoch ended; only the plateau schedule listens.
    void epochEnded(double validationLoss);

    State state() const { return m_state; }
    void restore(const State &state) { m_state = state; }

private:
    ScheduleSettings m_settings;
    double m_baseRate;
    int m_epochs;
    std::int64_t m_stepsPerEpoch;
    State m_state;
};

} // namespace cxr::ml
