// SPDX-License-Identifier: MIT
// `cxr train`'s optimiser, schedule, early-stopping and clipping options.
#include "commands.h"

namespace cxr::cli {

void addOptimisationOptions(CLI::App *command, OptimisationOptions &o, ml::TrainSettings &s)
{
    command->add_option("--optimizer", o.optimizer, "adam (thesis), adamw or sgd")
        ->capture_default_str();
    command
        ->add_option("--weight-decay", s.optimizer.weightDecay,
                     "weight decay (decoupled for adamw, L2 otherwise)")
        ->capture_default_str();
    command->add_option("--momentum", s.optimizer.momentum, "sgd momentum")->capture_default_str();
    command->add_flag("--nesterov", s.optimizer.nesterov, "sgd with Nesterov momentum");
    command
        ->add_option("--schedule", o.schedule,
                     "learning-rate schedule: constant, plateau (x factor after patience "
                     "epochs without a better val loss, the thesis's), step, cosine (with "
                     "warm-up) or one-cycle")
        ->capture_default_str();
    command->add_option("--plateau-factor", s.schedule.factor, "plateau: multiply the rate by this")
        ->capture_default_str();
    command
        ->add_option("--plateau-patience", s.schedule.patience,
                     "plateau: epochs without improvement before a cut")
        ->capture_default_str();
    command
        ->add_option("--plateau-cooldown", s.schedule.cooldown,
                     "plateau: epochs to wait after a cut")
        ->capture_default_str();
    command->add_option("--min-lr", s.schedule.minLr, "plateau and cosine: lowest rate")
        ->capture_default_str();
    command->add_option("--step-epochs", s.schedule.stepEpochs, "step: epochs between cuts")
        ->capture_default_str();
    command->add_option("--step-gamma", s.schedule.gamma, "step: multiply the rate by this")
        ->capture_default_str();
    command->add_option("--warmup-epochs", s.schedule.warmupEpochs, "cosine: linear warm-up epochs")
        ->capture_default_str();
    command
        ->add_option("--early-stop", s.earlyStopping.patience,
                     "stop after this many epochs without a better validation metric (0: off)")
        ->capture_default_str();
    command->add_option("--early-stop-metric", o.earlyStopMetric, "loss or auc")
        ->capture_default_str();
    command
        ->add_option("--clip-grad", s.gradientClipNorm,
                     "clip the gradients' global norm to this (0: off)")
        ->capture_default_str();
    command->add_flag("--deterministic", s.deterministic,
                      "deterministic algorithms: repeated and resumed runs give the same losses");
    command
        ->add_option("--precision", o.precision,
                     "auto (bf16 on CUDA, fp32 on the CPU), fp32, bf16 or fp16 (mixed "
                     "precision, CUDA only)")
        ->capture_default_str();
    command->add_flag("!--no-channels-last", s.channelsLast,
                      "keep convolutions in NCHW layout on CUDA (channels-last is the default)");
    command->add_flag("!--no-cuda-graphs", s.captureSteps,
                      "on CUDA, launch every step from the host instead of replaying a captured "
                      "CUDA graph of it");
    command
        ->add_option("--checkpoint-minutes", s.checkpointMinutes,
                     "also checkpoint within an epoch this often (0: at epoch ends only)")
        ->capture_default_str();
    command
        ->add_option("--log-every-steps", s.logEverySteps,
                     "write every N steps' loss to the run's steps.csv (0: none)")
        ->capture_default_str();
}

Status parseOptionalOperatingPoint(const std::string &text,
                                   std::optional<ml::OperatingPointRule> &rule)
{
    if (text.empty()) {
        rule.reset();
        return Ok{};
    }
    auto parsed = ml::parseOperatingPoint(text);
    if (!parsed) {
        return parsed.error();
    }
    rule = *parsed;
    return Ok{};
}

Status applyOptimisationOptions(const OptimisationOptions &o, ml::TrainSettings &s)
{
    const auto optimizer = ml::parseOptimizer(o.optimizer);
    if (!optimizer) {
        return makeError(ErrorCode::InvalidArgument,
                         "--optimizer " + o.optimizer + ": unknown (choose adam, adamw or sgd)");
    }
    s.optimizer.kind = *optimizer;
    const auto precision = ml::parsePrecision(o.precision);
    if (!precision) {
        return makeError(ErrorCode::InvalidArgument,
                         "--precision " + o.precision +
                             ": unknown (choose auto, fp32, bf16 or fp16)");
    }
    s.precision = *precision;
    const auto schedule = ml::parseSchedule(o.schedule);
    if (!schedule) {
        return makeError(ErrorCode::InvalidArgument,
                         "--schedule " + o.schedule +
                             ": unknown (choose constant, plateau, step, cosine or one-cycle)");
    }
    s.schedule.kind = *schedule;
    if (o.earlyStopMetric != "loss" && o.earlyStopMetric != "auc") {
        return makeError(ErrorCode::InvalidArgument,
                         "--early-stop-metric " + o.earlyStopMetric + ": use loss or auc");
    }
    s.earlyStopping.onAuc = o.earlyStopMetric == "auc";
    return Ok{};
}

} // namespace cxr::cli
