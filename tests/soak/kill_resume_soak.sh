#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Kill-and-resume soak of `cxr train`.
#
#   tests/soak/kill_resume_soak.sh CXR [KILLS] [WORK]
#
#   CXR    the cxr executable (build/app/cli/cxr)
#   KILLS  how many times to kill training with SIGKILL (default 50)
#   WORK   a scratch folder: new, empty or an earlier soak's, which is emptied first
#          (default ${TMPDIR:-/tmp}/cxr-kill-resume-soak)
#
# Environment: CXR_SOAK_SEED (default 20261204) seeds the kill moments; each is printed, and a
# failure is replayed by running again with the same seed (the timed kills land near, not
# exactly at, the same moments: timings differ from run to run).
#
# What it does, on resources/demo (120 training and 30 validation images, 64 px, small-cnn,
# batch 4: 30 steps an epoch, 4 epochs, the thesis augmentation, a weight average, the plateau
# schedule, --deterministic, a checkpoint every 0.3 s within an epoch, every step logged):
#  1. trains a reference run that is never killed, and times it (start-up to the first step,
#     training, the finalisation: calibration, out-of-distribution guard and model card);
#  2. trains the same run again and kills it with SIGKILL, resumes it with
#     `cxr train --resume RUN`, kills it again, ... KILLS times. The kill moments are drawn
#     from the seed before the soak starts: 10% of them a random delay within the start-up
#     (LibTorch, the scan, the cache, the checkpoint); 75% a point of the run's progress
#     (uniform over its 120 steps and its finalisation, sorted with the others, so the kills
#     move through the run as it advances), reached as cxr's progress bar shows it, plus a
#     random delay of up to one and a half steps; 25% inside a file write: strace (when
#     installed) delivers the SIGKILL at the N-th write(2) call of the attempt (N from 1 to 60:
#     most are the first checkpoints' data, so the kill tears a temporary file) or at its N-th
#     rename(2) (N from 1 to 12: the temporary file is whole but not yet in place). So the
#     kills land mid-epoch, in validation, in checkpoint, model and log writes and in the
#     finalisation (calibration, out-of-distribution guard, model card), whatever the
#     machine's speed. A kill before config.json exists
#     leaves no run to resume; that run is started again (--overwrite). When a run finishes
#     before all KILLS kills are spent, it is checked and a new run (cycle) takes the rest;
#  3. checks every finished run against the reference: per epoch the training and validation
#     losses, accuracies, validation AUC and learning rate (metrics.csv), every step's loss
#     and learning rate (steps.csv), the full-precision losses cxr printed (--json), the final
#     weights and out-of-distribution reference byte for byte, the model card (but for the
#     calibration's time stamp), the run state "finished", and no temporary file left
#     anywhere in the run folder or the cache (*.partial, *.tmp, .write-test). A resume that
#     refuses the folder a kill left fails the soak at once.
#
# It prints each kill (when, where it landed) and a summary; exit 0 when every check passed,
# 1 with the reason otherwise, 2 for a usage error. It needs bash, script (util-linux) and
# coreutils, and strace for the kills inside writes (without it those are timed kills too).
# 50 kills took 7 minutes on two busy cores (docs/benchmarks.md, "Soak: kill and resume").

set -euo pipefail
export LC_NUMERIC=C # EPOCHREALTIME and awk with a decimal point

usage() {
    echo "usage: $0 CXR [KILLS=50] [WORK]" >&2
    exit 2
}
[[ $# -ge 1 && $# -le 3 ]] || usage
CXR=$(realpath "$1")
KILLS=${2:-50}
WORK=${3:-${TMPDIR:-/tmp}/cxr-kill-resume-soak}
SEED=${CXR_SOAK_SEED:-20261204}
[[ -x $CXR ]] || { echo "$0: $CXR is not executable" >&2; exit 2; }
[[ $KILLS =~ ^[0-9]+$ ]] || usage
command -v script > /dev/null || { echo "$0: needs script (util-linux)" >&2; exit 2; }

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
DATASET=$ROOT/resources/demo
EPOCHS=4
STEPS_PER_EPOCH=30 # 120 training images, batch 4
TOTAL_STEPS=$((EPOCHS * STEPS_PER_EPOCH))
TRAIN_ARGS=(--model small-cnn --input-size 64 --channels 1 --batch 4 --epochs "$EPOCHS" --seed 7
            --device cpu --deterministic --augment thesis --ema 0.9 --schedule plateau
            --plateau-patience 1 --checkpoint-minutes 0.005 --log-every-steps 1
            --cache-dir "$WORK/cache" --json)

fail() {
    echo "SOAK FAILED: $*" >&2
    exit 1
}

# WORK is emptied: only when it is new, empty, or an earlier soak's folder.
if [[ -d $WORK && -n $(ls -A "$WORK") && ! -f $WORK/.cxr-kill-resume-soak ]]; then
    echo "$0: $WORK is not empty and not an earlier soak's folder; choose another" >&2
    exit 2
fi
rm -rf "$WORK"
mkdir -p "$WORK"
touch "$WORK/.cxr-kill-resume-soak"
START=$EPOCHREALTIME

# --- 1. the reference, never killed ------------------------------------------------------
now() { echo "$EPOCHREALTIME"; }
seconds_between() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }

echo "reference run: cxr train $DATASET --out $WORK/reference/run ${TRAIN_ARGS[*]}"
mkdir -p "$WORK/reference"
t0=$(now)
# Stage lines (stderr, not a terminal) are time-stamped as they come.
if ! "$CXR" train "$DATASET" --out "$WORK/reference/run" "${TRAIN_ARGS[@]}" \
        2>&1 > "$WORK/reference/stdout.log" |
        while IFS= read -r line; do printf '%s %s\n' "$EPOCHREALTIME" "$line"; done \
            > "$WORK/reference/stderr.log"; then
    cat "$WORK/reference/stderr.log" >&2
    fail "the reference run failed"
fi
t_end=$(now)
t_epoch1=$(awk '$2 == "Epoch" && $3 == "1" { print $1; exit }' "$WORK/reference/stderr.log")
t_final=$(awk '$2 == "Calibrating" { print $1; exit }' "$WORK/reference/stderr.log")
[[ -n $t_epoch1 && -n $t_final ]] || fail "the reference run printed no epoch or calibration stage"
STARTUP=$(seconds_between "$t0" "$t_epoch1")
TRAINING=$(seconds_between "$t_epoch1" "$t_final")
FINALISATION=$(seconds_between "$t_final" "$t_end")
echo "reference: $(seconds_between "$t0" "$t_end") s (start-up $STARTUP s, training $TRAINING s," \
     "finalisation $FINALISATION s)"
STEP_MS=$(awk -v t="$TRAINING" -v n="$TOTAL_STEPS" 'BEGIN { printf "%d", t * 1000 / n + 1 }')
STARTUP_MS=$(awk -v s="$STARTUP" 'BEGIN { printf "%d", s * 1000 }')
# The finalisation in steps of training time: the progress axis is steps, then this.
FINAL_STEPS=$(awk -v f="$FINALISATION" -v s="$STEP_MS" 'BEGIN { printf "%d", f * 1000 / s + 1 }')

# --- 2. the killed run ---------------------------------------------------------------------
HAVE_STRACE=0
command -v strace > /dev/null && HAVE_STRACE=1
((HAVE_STRACE)) || echo "no strace: no kill is delivered inside a file write on purpose"
random_state=$SEED
next_random() { # RANGE: RANDOM_VALUE in [0, RANGE); a 64-bit LCG (Knuth's MMIX constants)
    random_state=$(( random_state * 6364136223846793005 + 1442695040888963407 ))
    RANDOM_VALUE=$(( ((random_state >> 33) & 0x7fffffff) % $1 ))
}
# The plan: per kill, a delay after the start (start-up kills) or a progress point in
# hundredths of a step (sorted) and a delay after it reached.
KIND=() DELAY=() TARGET=()
targets=()
for ((k = 1; k <= KILLS; ++k)); do
    next_random 100
    if ((RANDOM_VALUE < 10)); then
        KIND[k]=start-up
        next_random $((STARTUP_MS * 6 / 5 + 1))
        DELAY[k]=$RANDOM_VALUE
    elif ((RANDOM_VALUE < 35)) && ((HAVE_STRACE)); then
        if ((RANDOM_VALUE < 23)); then
            KIND[k]=write
            next_random 60
        else
            KIND[k]=rename
            next_random 12
        fi
        DELAY[k]=$((RANDOM_VALUE + 1)) # the call to kill at
    else
        KIND[k]=progress
        next_random $(((TOTAL_STEPS + FINAL_STEPS) * 100))
        targets+=("$RANDOM_VALUE")
        next_random $((STEP_MS * 3 / 2 + 1))
        DELAY[k]=$RANDOM_VALUE
    fi
done
mapfile -t targets < <(printf '%s\n' "${targets[@]}" | sort -n)
i=0
for ((k = 1; k <= KILLS; ++k)); do
    if [[ ${KIND[k]} == progress ]]; then
        TARGET[k]=${targets[i]}
        i=$((i + 1))
    fi
done
echo "kills: $KILLS, seed $SEED; a step is ~$STEP_MS ms, the finalisation ~$FINAL_STEPS steps"

now_us() { local t=$EPOCHREALTIME; echo "${t/./}"; }

# How far an attempt got, in hundredths of a step, from the end of its terminal output:
# the progress bar's percentage in an epoch; after the last epoch (its line printed, or a
# resume of a run whose epochs are all done past its scan), the steps plus the time since.
FINAL_SINCE=
progress_of() { # LOG EPOCHS_DONE_BEFORE
    local text
    text=$(tail -c 700 "$1" 2> /dev/null || true)
    if [[ $text == *"\"epoch\":$EPOCHS,\"event\":\"epoch\""* ||
          ( $2 -ge $EPOCHS && $text =~ Scanning.*100% ) ]]; then
        [[ -n $FINAL_SINCE ]] || FINAL_SINCE=$(now_us)
        PROGRESS=$(( TOTAL_STEPS * 100 + ($(now_us) - FINAL_SINCE) / (STEP_MS * 10) ))
    elif [[ $text =~ .*Epoch\ [0-9]+\ of\ [0-9]+\ +\[[#\ ]*\]\ +([0-9]+)% ]]; then
        PROGRESS=$(( BASH_REMATCH[1] * TOTAL_STEPS ))
    else
        PROGRESS=-1
    fi
}

# Where a kill landed, from the files the process had open, what it left, and its terminal
# output (the progress bar gives the stage and the step).
where_it_landed() { # RUN LOG OPEN_FILES EPOCHS_BEFORE KIND
    local run=$1 log=$2 open=$3 epochs_before=$4 kind=$5
    local writing
    # Open temporary files, and those the attempt left (not a kill before's: -newer).
    writing=$( { printf '%s\n' "$open"; find "$run" -name '*.partial' -newer "$run/../launched" 2> /dev/null; } |
               grep -o "$run/[^ ]*\.partial" | sed "s|^$run/||; s|\.partial\$||" | sort -u | head -1 || true)
    if [[ -n $writing && $kind == rename ]]; then
        echo "$writing written, before its rename"
        return
    elif [[ -n $writing ]]; then
        echo "writing $writing"
        return
    elif [[ $kind == write ]]; then
        echo -n "a write to the terminal, in: "
    fi
    local text last_bar printed
    text=$(tr '\r' '\n' < "$log")
    last_bar=$(grep -E '\] +[0-9]+%' <<< "$text" | tail -1 || true)
    printed=$(grep -oE '"epoch":[0-9]+,"event":"epoch"' <<< "$text" | grep -oE '[0-9]+' | tail -1 || true)
    local epochs_done=$epochs_before
    [[ -n $printed && $printed -gt $epochs_done ]] && epochs_done=$printed
    if [[ $last_bar =~ ^Epoch\ ([0-9]+)\ of.*\]\ +([0-9]+)% ]]; then
        local epoch=${BASH_REMATCH[1]} percent=${BASH_REMATCH[2]}
        if [[ $printed == "$epoch" ]]; then
            if ((epoch == EPOCHS)); then
                echo "finalisation (calibration, guard, card)"
            else
                echo "between epochs $epoch and $((epoch + 1))"
            fi
        elif ((percent >= 100 * epoch * STEPS_PER_EPOCH / TOTAL_STEPS)); then
            echo "epoch $epoch after its last step (validation, model and checkpoint)"
        else
            echo "epoch $epoch mid-epoch (step ~$((percent * TOTAL_STEPS / 100)))"
        fi
    elif [[ -z $last_bar ]]; then
        echo "start-up (before the dataset scan)"
    elif ((epochs_done >= EPOCHS)); then
        echo "all epochs done: checkpoint load or finalisation"
    else
        echo "start-up (scan, cache, model, checkpoint)"
    fi
}

# The comparable content of a run: losses and rates per epoch and per step, and the model.
check_against_reference() { # RUN CYCLE_FOLDER
    local run=$1 folder=$2 ref=$WORK/reference/run
    local file
    for file in metrics.csv steps.csv model/weights.pt model/ood.pt model/model.json status.json; do
        [[ -f $run/$file ]] || fail "$run: no $file"
    done
    # metrics.csv: all but the timing columns.
    diff <(cut -d, -f1-7 "$ref/metrics.csv") <(cut -d, -f1-7 "$run/metrics.csv") \
        > "$folder/metrics.diff" ||
        fail "$run/metrics.csv: per-epoch losses differ from the reference ($folder/metrics.diff)"
    [[ $(wc -l < "$run/metrics.csv") -eq $((EPOCHS + 1)) ]] ||
        fail "$run/metrics.csv: not $EPOCHS epochs"
    diff <(cut -d, -f1-4 "$ref/steps.csv") <(cut -d, -f1-4 "$run/steps.csv") > "$folder/steps.diff" ||
        fail "$run/steps.csv: per-step losses differ from the reference ($folder/steps.diff)"
    [[ $(wc -l < "$run/steps.csv") -eq $((TOTAL_STEPS + 1)) ]] ||
        fail "$run/steps.csv: not $TOTAL_STEPS steps"
    # The full-precision epoch lines cxr printed (a kill between an epoch's checkpoint and its
    # line loses the line, so only those printed are compared).
    local line epoch expected
    while IFS= read -r line; do
        epoch=$(grep -oE '"epoch":[0-9]+' <<< "$line" | cut -d: -f2)
        expected=$(grep -E "\"epoch\":$epoch,\"event\":\"epoch\"" "$WORK/reference/stdout.log" |
                   sed -E 's/"seconds":[^,]*,//')
        [[ "$(sed -E 's/"seconds":[^,]*,//' <<< "$line")" == "$expected" ]] ||
            fail "epoch $epoch: printed $line, the reference printed $expected"
    done < <(cat "$folder"/attempt-*.log | tr -d '\r' | grep -E '"event":"epoch"' || true)
    cmp -s "$ref/model/weights.pt" "$run/model/weights.pt" ||
        fail "$run/model/weights.pt differs from the reference's"
    cmp -s "$ref/model/ood.pt" "$run/model/ood.pt" ||
        fail "$run/model/ood.pt differs from the reference's"
    diff <(grep -v '"fitted_at"' "$ref/model/model.json") <(grep -v '"fitted_at"' "$run/model/model.json") \
        > "$folder/model.diff" || fail "$run/model/model.json differs from the reference's ($folder/model.diff)"
    grep -q '"state": "finished"' "$run/status.json" || fail "$run/status.json: not finished"
    local stray
    stray=$(find "$run" "$WORK/cache" \( -name '*.partial' -o -name '*.partial.*' -o -name '*.tmp' \
                 -o -name '.write-test*' \) -print)
    [[ -z $stray ]] || fail "temporary files left behind: $stray"
}

declare -A LANDED=()
kills=0
cycle=0
attempts=0
while ((kills < KILLS || cycle == 0)); do
    cycle=$((cycle + 1))
    folder=$WORK/soak/cycle-$cycle
    run=$folder/run
    mkdir -p "$folder"
    epochs_seen=0
    attempt=0
    echo "cycle $cycle: $run"
    while true; do
        attempt=$((attempt + 1))
        attempts=$((attempts + 1))
        log=$folder/attempt-$attempt.log
        if [[ -f $run/config.json ]]; then
            command=("$CXR" train --resume "$run" --json)
        else
            command=("$CXR" train "$DATASET" --out "$run" --overwrite "${TRAIN_ARGS[@]}")
        fi
        killing=0
        ((kills < KILLS)) && killing=1
        k=$((kills + 1))
        if ((killing)) && [[ ${KIND[k]} == write || ${KIND[k]} == rename ]]; then
            if [[ ${KIND[k]} == write ]]; then
                calls=write,writev,pwrite64
            else
                calls=rename,renameat,renameat2
            fi
            command=(strace -f -qq -o /dev/null -e "trace=$calls"
                     -e "inject=$calls:signal=KILL:when=${DELAY[k]}" -- "${command[@]}")
        fi
        rm -f "$folder/pid"
        touch "$folder/launched"
        # A terminal, so that cxr draws its progress bar (the step it is at).
        script -qfec "echo \$\$ > $(printf %q "$folder/pid"); exec $(printf '%q ' "${command[@]}")" \
            "$log" < /dev/null > /dev/null 2>&1 &
        script_pid=$!
        launched=$(now_us)
        if ((killing)); then
            while [[ ! -s $folder/pid ]] && kill -0 "$script_pid" 2> /dev/null; do sleep 0.01; done
            pid=$(cat "$folder/pid" 2> /dev/null || true)
            alive() { [[ -n $pid && -r /proc/$pid/stat && $(awk '{ print $3 }' "/proc/$pid/stat" 2> /dev/null) != Z ]]; }
            if [[ ${KIND[k]} == write || ${KIND[k]} == rename ]]; then
                plan="its ${DELAY[k]}. ${KIND[k]}(2) call, by strace"
                while alive; do sleep 0.05; done # strace kills it, or it finishes
            elif [[ ${KIND[k]} == start-up ]]; then
                plan="${DELAY[k]} ms after the start"
                while alive && (( ($(now_us) - launched) / 1000 < DELAY[k] )); do sleep 0.01; done
            else
                plan="step $((TARGET[k] / 100)).$(printf %02d $((TARGET[k] % 100))) + ${DELAY[k]} ms"
                FINAL_SINCE=
                while alive; do
                    progress_of "$log" "$epochs_seen"
                    ((PROGRESS >= TARGET[k])) && break
                    sleep 0.03
                done
                reached=$(now_us)
                while alive && (( ($(now_us) - reached) / 1000 < DELAY[k] )); do sleep 0.005; done
            fi
            injected=0
            if [[ ${KIND[k]} == write || ${KIND[k]} == rename ]]; then
                status=0
                wait "$script_pid" || status=$?
                open=
                ((status == 137)) && injected=1
            fi
            if ((injected)) || alive; then
                if ((!injected)); then
                    open=$(ls -l "/proc/$pid/fd" 2> /dev/null || true)
                    kill -KILL "$pid" 2> /dev/null || true
                    wait "$script_pid" 2> /dev/null || true
                fi
                kills=$k
                landed=$(where_it_landed "$run" "$log" "$open" "$epochs_seen" "${KIND[k]}")
                phase=$(sed -E 's/(^|: )epoch [0-9]+ /\1/; s/ \(step ~[0-9]+\)//; s/epochs [0-9]+ and [0-9]+/epochs/' <<< "$landed")
                LANDED[$phase]=$(( ${LANDED[$phase]:-0} + 1 ))
                printf 'kill %d/%d: cycle %d attempt %d, at %s (%d ms after the start): %s\n' \
                    "$kills" "$KILLS" "$cycle" "$attempt" "$plan" $(( ($(now_us) - launched) / 1000 )) "$landed"
                printed=$(tr -d '\r' < "$log" | grep -oE '"epoch":[0-9]+,"event":"epoch"' |
                          grep -oE '[0-9]+' | tail -1 || true)
                [[ -n $printed && $printed -gt $epochs_seen ]] && epochs_seen=$printed
                continue
            fi
        fi
        if [[ ${KIND[k]:-} != write && ${KIND[k]:-} != rename ]] || ((!killing)); then
            status=0
            wait "$script_pid" || status=$?
        fi
        if ((status != 0)) || ! tr -d '\r' < "$log" | grep -q '"event":"finished"'; then
            tr -d '\r' < "$log" | tail -5 >&2
            fail "cycle $cycle attempt $attempt (${command[*]}) failed with exit status $status;" \
                 "the folder the kill before left was not resumed"
        fi
        echo "cycle $cycle finished after $attempt attempts"
        check_against_reference "$run" "$folder"
        echo "cycle $cycle matches the reference"
        break
    done
done

echo
echo "kill-and-resume soak passed: $kills kills in $cycle cycle(s), $attempts starts," \
     "$(seconds_between "$START" "$(now)") s in all"
echo "where the kills landed (by phase, over all epochs):"
for landed in "${!LANDED[@]}"; do
    printf '%5d  %s\n' "${LANDED[$landed]}" "$landed"
done | sort -k2
