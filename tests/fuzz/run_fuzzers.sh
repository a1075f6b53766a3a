#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Runs the libFuzzer targets built in BUILD_DIR (CXR_FUZZ=ON), one after the other:
#   tests/fuzz/run_fuzzers.sh BUILD_DIR SECONDS [TARGET...]
# For each target: first every kept crash input under tests/fuzz/regressions/<name>/ (the
# target without "fuzz_") is replayed, then the target fuzzes for SECONDS from its corpus (BUILD_DIR/fuzz/corpus/<name>,
# kept between runs, outside git), the seeds in tests/fuzz/seeds/<name>/ and those taken from
# the shared data in ../shared/data (skipped, with a message, where it is absent). A new crash
# input is written to tests/fuzz/regressions/<name>/ to be fixed and committed. Prints per
# target the executions, exec/s, libFuzzer's coverage (cov: edges, ft: features), the corpus
# size and the result; the table is also left in BUILD_DIR/fuzz/report.txt and each log in
# BUILD_DIR/fuzz/logs/. Exits non-zero when any target crashed, leaked, hung or ran out of memory.
set -uo pipefail
cd "$(dirname "$0")/../.."
build_dir="${1:?usage: $0 BUILD_DIR SECONDS [TARGET...]}"
seconds="${2:?usage: $0 BUILD_DIR SECONDS [TARGET...]}"
shift 2
all_targets=(fuzz_file_sniffer fuzz_raster_loader fuzz_dicom_loader fuzz_manifest fuzz_model_card
             fuzz_checkpoint fuzz_tensor_cache)
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=("${all_targets[@]}")
shared=../shared/data
work="$build_dir/fuzz"
mkdir -p "$work/logs"

# Largest input each target is given, and the time one input may take before it counts as a
# hang. Small inputs keep the slow readers near a thousand executions a second; seeds longer
# than the limit are cut to it.
max_len() {
    case "$1" in
        fuzz_dicom_loader) echo 16384 ;;
        fuzz_raster_loader | fuzz_checkpoint) echo 16384 ;;
        fuzz_tensor_cache) echo 8192 ;;
        *) echo 4096 ;;
    esac
}

# The shared data's files for a target, copied (a few of each kind) into one seed folder.
shared_seeds() {
    local target=$1 dir="$work/shared-seeds/$1"
    rm -rf "$dir"
    mkdir -p "$dir"
    case "$target" in
        fuzz_dicom_loader)
            cp "$shared"/dicom/pydicom/*.dcm "$shared"/dicom/chest_cr/*.dcm "$dir"/ 2>/dev/null ;;
        fuzz_raster_loader | fuzz_file_sniffer)
            find "$shared/chest_xray_224" -name '*.jpeg' 2>/dev/null | sort | head -n 4 |
                xargs -r cp -t "$dir"
            find "$shared/chest_xray_fullres_sample" -name '*.jpeg' 2>/dev/null | sort | head -n 2 |
                xargs -r cp -t "$dir"
            [ "$target" = fuzz_file_sniffer ] &&
                find "$shared/dicom" -name '*.dcm' 2>/dev/null | sort | head -n 8 | xargs -r cp -t "$dir" ;;
        fuzz_manifest)
            cp "$shared"/chest_xray_224/labels.csv "$dir"/ 2>/dev/null ;;
    esac
    echo "$dir"
}

stat_of() { sed -n "s/^stat::$1: *//p" "$2" | tail -n 1; }
field_of() { grep -E '(INITED|NEW|REDUCE|pulse|DONE) ' "$2" | tail -n 1 | sed -n "s/.* $1: \([^ ]*\).*/\1/p"; }

if [ -d "$shared" ]; then
    echo "fuzz: seeding from the shared data in $shared and tests/fuzz/seeds" >&2
else
    echo "fuzz: no shared data at $shared; seeding from tests/fuzz/seeds only" >&2
fi

export ASAN_OPTIONS="${ASAN_OPTIONS:-abort_on_error=0:detect_stack_use_after_return=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}"
export LSAN_OPTIONS="${LSAN_OPTIONS:-suppressions=$PWD/tests/fuzz/lsan_suppressions.txt:print_suppressions=0}"
# CPU LibTorch: one thread, so that a run is one core.
export OMP_NUM_THREADS=1
# The targets write each input to a file in a temporary folder: in memory where possible, and
# under one folder for the run, removed at the end (a target that crashes cannot remove its own).
tmp_parent=${TMPDIR:-/tmp}
[ -z "${TMPDIR:-}" ] && [ -d /dev/shm ] && [ -w /dev/shm ] && tmp_parent=/dev/shm
TMPDIR=$(mktemp -d "$tmp_parent/cxr-fuzz-run-XXXXXX")
export TMPDIR
trap 'rm -rf "$TMPDIR"' EXIT

failed=0
report="$work/report.txt"
printf '%-20s %7s %11s %8s %7s %7s %8s  %s\n' target seconds executions exec/s cov ft corpus result |
    tee "$report"
for target in "${targets[@]}"; do
    binary="$build_dir/tests/fuzz/$target"
    if [ ! -x "$binary" ]; then
        echo "fuzz: $binary not built" >&2
        failed=1
        continue
    fi
    log="$work/logs/$target.log"
    name=${target#fuzz_}
    regressions="tests/fuzz/regressions/$name"
    mkdir -p "$regressions"
    result=ok
    # Kept crash inputs first: each must now run clean.
    mapfile -t kept < <(find "$regressions" -type f ! -name '.*' ! -name '*.md' ! -name 'slow-unit-*' | sort)
    if [ ${#kept[@]} -gt 0 ] &&
        ! "$binary" -rss_limit_mb=4096 -timeout=30 "${kept[@]}" >"$work/logs/$target.replay.log" 2>&1; then
        result="regression fails (see $work/logs/$target.replay.log)"
        failed=1
    fi
    # CXR_FUZZ_REPLAY_ONLY: targets whose regressions are replayed but which do not fuzz (for a
    # target that keeps finding a third-party crash not yet guarded against).
    if [[ " ${CXR_FUZZ_REPLAY_ONLY:-} " == *" $target "* ]]; then
        printf '%-20s %7s %11s %8s %7s %7s %8s  %s\n' "$name" 0 "${#kept[@]}" - - - - \
            "$([ "$result" = ok ] && echo "regressions replayed, not fuzzed" || echo "$result")" | tee -a "$report"
        continue
    fi
    corpus="$work/corpus/$name"
    mkdir -p "$corpus"
    dirs=("$corpus")
    [ -d "tests/fuzz/seeds/$name" ] && dirs+=("tests/fuzz/seeds/$name")
    case "$target" in
        fuzz_dicom_loader | fuzz_file_sniffer) dirs+=(tests/data/dicom) ;;
    esac
    [ "$target" = fuzz_file_sniffer ] && dirs+=(tests/fuzz/seeds/raster_loader)
    [ -d "$shared" ] && dirs+=("$(shared_seeds "$target")")
    start=$SECONDS
    # Slow but bounded: LibTorch compiles each weights.pt's TorchScript and unpickles it.
    limits=(-timeout=10 -rss_limit_mb=4096)
    [ "$target" = fuzz_checkpoint ] && limits=(-timeout=60 -rss_limit_mb=5120 -malloc_limit_mb=5120)
    "$binary" -max_total_time="$seconds" -max_len="$(max_len "$target")" "${limits[@]}" \
        -print_final_stats=1 -report_slow_units=600 -artifact_prefix="$regressions/" \
        "${dirs[@]}" >"$log" 2>&1
    status=$?
    if [ $status -ne 0 ]; then
        finding=$(grep -m1 -E 'ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error|fuzz: ' "$log")
        result="FAILED (exit $status): ${finding:-see $log}"
        failed=1
    fi
    printf '%-20s %7s %11s %8s %7s %7s %8s  %s\n' "$name" "$((SECONDS - start))" \
        "$(stat_of number_of_executed_units "$log")" "$(stat_of average_exec_per_sec "$log")" \
        "$(field_of cov "$log")" "$(field_of ft "$log")" "$(find "$corpus" -type f | wc -l)" \
        "$result" | tee -a "$report"
done
if [ $failed -ne 0 ]; then
    echo "fuzz: a target failed; its input is in tests/fuzz/regressions/<name>/ (replay: see tests/fuzz/README.md)" >&2
fi
exit $failed
