#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# One entry point for developers and CI. Installs what is missing, builds in Release, then:
#   ./setup.sh demo    open CXR Studio on the demo dataset, or without a display run the
#                      headless pipeline (scan, train, evaluate, Grad-CAM) and print the metrics
#   ./setup.sh test    run the whole test suite through CTest
#   ./setup.sh bench   run the benchmarks under tests/bench
#   ./setup.sh build   only install and build
#   ./setup.sh package build the Debian package and the portable .tar.gz into build/packages and
#                      test them; as root also installed with dpkg -i, upgraded and removed
#                      again, and installed into a fresh Debian 12 root (debootstrap, network)
#   ./setup.sh sanitize  the whole test suite, GUI tests included, under AddressSanitizer and UBSan
#                      (build-asan; the package test left out)
#   ./setup.sh soak [KILLS]  cxr train killed with SIGKILL KILLS times (default 50) and resumed,
#                      then checked against a run never killed (tests/soak/kill_resume_soak.sh)
#   ./setup.sh lint [BASE]  clang-format (check mode) and clang-tidy on the C++ files changed
#                      since BASE (default: the upstream branch, else HEAD~1); tools/lint.sh
#   ./setup.sh fuzz [SECONDS]  build the libFuzzer targets (clang, ASan, UBSan) in build-fuzz and
#                      run each for SECONDS (default 600), replaying tests/fuzz/regressions first;
#                      ./setup.sh test ends with this for CXR_FUZZ_SECONDS (default 60) per target
# Environment: BUILD_DIR (default build), CMAKE_ARGS (extra configure arguments),
#              CXR_SKIP_INSTALL=1 (never call apt-get), CXR_CLEAN_ROOT_TEST=0 (package: no
#              fresh Debian root), CXR_FUZZ_SECONDS (test: seconds per fuzz target; 0 skips).
set -euo pipefail
cd "$(dirname "$0")"
mode="${1:-demo}"
build_dir="${BUILD_DIR:-build}"

# Debian 12 / Ubuntu 24.04 package names.
packages=(
    cmake ninja-build g++ git ccache
    qt6-base-dev qt6-base-dev-tools libgl-dev
    libqcustomplot-dev libqcustomplot2.1-qt6
    libtorch-dev libgloo-dev libopencv-dev libdcmtk-dev libjpeg-dev libpng-dev libopenjp2-7-dev
    dcmtk libopenjp2-tools orthanc dicom3tools
    nlohmann-json3-dev libcli11-dev
    dpkg-dev patchelf desktop-file-utils appstream debootstrap
    clang libclang-rt-14-dev clang-format clang-tidy strace
)

print_other_systems() {
    cat >&2 <<'TEXT'
On other systems install the equivalent packages, then run this script with CXR_SKIP_INSTALL=1:
  Fedora:   sudo dnf install cmake ninja-build gcc-c++ ccache qt6-qtbase-devel qcustomplot-qt6-devel \
                opencv-devel dcmtk-devel openjpeg2-devel libjpeg-turbo-devel libpng-devel json-devel cli11-devel
                (LibTorch: download from pytorch.org)
  macOS:    brew install cmake ninja ccache qt opencv dcmtk openjpeg jpeg-turbo libpng nlohmann-json cli11 pytorch qcustomplot
  Windows:  vcpkg install qtbase opencv4 dcmtk openjpeg libjpeg-turbo libpng nlohmann-json cli11
            (LibTorch: download from pytorch.org)
  With a LibTorch from pytorch.org (CPU or CUDA):
            CMAKE_ARGS="-DCMAKE_PREFIX_PATH=/path/to/libtorch" ./setup.sh build
TEXT
}

install_packages() {
    [ "${CXR_SKIP_INSTALL:-0}" = 1 ] && return 0
    if ! command -v dpkg-query >/dev/null 2>&1 || ! command -v apt-get >/dev/null 2>&1; then
        echo "setup: not a Debian/Ubuntu system; skipping package installation." >&2
        print_other_systems
        return 0
    fi
    local missing=()
    for p in "${packages[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    echo "setup: installing ${missing[*]}" >&2
    local sudo=()
    [ "$(id -u)" -ne 0 ] && sudo=(sudo)
    "${sudo[@]}" apt-get update -q
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -q "${missing[@]}"
}

build() {
    local start=$SECONDS
    # shellcheck disable=SC2086
    cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release ${CMAKE_ARGS:-}
    cmake --build "$build_dir" --parallel
    echo "setup: build finished in $((SECONDS - start)) s" >&2
}

run_headless_demo() {
    local cxr="$build_dir/app/cli/cxr"
    local run="runs/demo-$(date +%Y%m%d-%H%M%S)"
    "$cxr" scan resources/demo
    # The thesis's recipe: its augmentation, drawn fresh each epoch, and reduce-on-plateau.
    "$cxr" train resources/demo --model small-cnn --epochs 10 --batch 16 --augment thesis \
        --schedule plateau --plateau-patience 1 --out "$run"
    "$cxr" evaluate "$run" resources/demo --split test
    # Prediction and Grad-CAM for every test image: predictions.csv and overlays/ in one pass.
    "$cxr" explain "$run" --dataset resources/demo --split test --out-dir "$run/explained"
    # Into the hospital: a loopback Orthanc, the study retrieved, the results stored back.
    tools/demo_pacs.sh "$cxr" "$run" "$run"
}

# The fuzz targets (tests/fuzz) in their own build folder: clang's libFuzzer with ASan and
# UBSan instrumenting every project source, so only the targets are built there.
build_fuzz() {
    local start=$SECONDS
    # shellcheck disable=SC2086
    cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ \
        -DCXR_FUZZ=ON -DCXR_BUILD_TESTS=OFF -DCXR_BUILD_BENCHMARKS=OFF -DCXR_TORCH_PCH=OFF ${CMAKE_ARGS:-}
    cmake --build build-fuzz --target fuzz_targets --parallel
    echo "setup: fuzz targets built in $((SECONDS - start)) s" >&2
}

# Builds and runs every fuzz target for $1 seconds; fails when one fails. Without clang: a line
# saying the fuzz run is skipped, and success (the fuzz mode checks for clang itself).
run_fuzz() {
    local seconds=$1 start=$SECONDS status=0
    if ! command -v clang++ >/dev/null 2>&1; then
        echo "setup: clang++ not found (Debian: clang libclang-rt-14-dev); fuzz run skipped" >&2
        return 0
    fi
    build_fuzz
    tests/fuzz/run_fuzzers.sh build-fuzz "$seconds" || status=$?
    echo "setup: fuzzing finished in $((SECONDS - start)) s" >&2
    return $status
}

install_packages
case "$mode" in
    build)
        build
        ;;
    demo)
        build
        if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
            exec "$build_dir/app/studio/cxr-studio" resources/demo
        fi
        echo "setup: no display; running the headless pipeline on the demo dataset" >&2
        run_headless_demo
        ;;
    test)
        # The style is checked first: a file clang-format would change fails the test command.
        if command -v clang-format >/dev/null 2>&1 && command -v clang-tidy >/dev/null 2>&1; then
            tools/lint.sh --format-all
        else
            echo "setup: clang-format or clang-tidy not found; style check skipped" >&2
        fi
        build
        start=$SECONDS
        ctest --test-dir "$build_dir" --output-on-failure --timeout 1200
        echo "setup: tests finished in $((SECONDS - start)) s" >&2
        # The fuzz smoke run: every kept crash input, then each target for a minute
        # (CXR_FUZZ_REPLAY_ONLY="fuzz_NAME ..." replays a target's inputs without fuzzing it).
        if [ "${CXR_FUZZ_SECONDS:-60}" != 0 ]; then
            run_fuzz "${CXR_FUZZ_SECONDS:-60}"
        fi
        ;;
    package)
        build
        rm -rf "$build_dir/packages"
        (cd "$build_dir" && cpack -G "DEB;TGZ")
        install_test=0
        [ "$(id -u)" -eq 0 ] && install_test=1
        # The test checks the .deb and the .tar.gz just built (unpacked, run from an odd folder).
        archive=$(ls "$build_dir"/packages/*-linux-portable.tar.gz)
        CXR_PACKAGE_TEST_DPKG_INSTALL=$install_test CXR_PORTABLE_ARCHIVE="$(realpath "$archive")" \
            ctest --test-dir "$build_dir" -R test_linux_package --output-on-failure
        # CXR_CLEAN_ROOT_TEST=0 skips the fresh Debian root (it needs the network, and mount
        # and chroot, which containers without privileges lack).
        if [ "$install_test" = 1 ] && [ "${CXR_CLEAN_ROOT_TEST:-1}" != 0 ] &&
            command -v debootstrap >/dev/null 2>&1; then
            tests/package/clean_root_install.sh "$build_dir"/packages/*.deb "$build_dir/clean-root"
        fi
        ls -l "$build_dir/packages"
        ;;
    bench)
        build
        "$build_dir/tests/bench/run_benchmarks.sh" "$build_dir"
        ;;
    sanitize)
        # Every test, the GUI ones included (offscreen), with the project's code under ASan and
        # UBSan; a report ends the test. Leaks are not checked: Qt and LibTorch keep one-off
        # allocations until exit. The package test builds packages and is left out.
        start=$SECONDS
        cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCXR_TORCH_PCH=OFF \
            -DCXR_BUILD_BENCHMARKS=OFF \
            -DCMAKE_CXX_FLAGS="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer" \
            -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=address,undefined" \
            -DCMAKE_SHARED_LINKER_FLAGS="-fsanitize=address,undefined"
        cmake --build build-asan --parallel
        ASAN_OPTIONS=detect_leaks=0 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
            QT_QPA_PLATFORM=offscreen \
            ctest --test-dir build-asan -E test_linux_package --output-on-failure --timeout 3600
        echo "setup: sanitized build and tests finished in $((SECONDS - start)) s" >&2
        ;;
    lint)
        # Configured only: clang-tidy needs the compile commands, not the objects.
        # shellcheck disable=SC2086
        cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release ${CMAKE_ARGS:-} >/dev/null
        BUILD_DIR="$build_dir" tools/lint.sh ${2:+"$2"}
        ;;
    soak)
        build
        tests/soak/kill_resume_soak.sh "$build_dir/app/cli/cxr" "${2:-50}" "$build_dir/soak"
        ;;
    fuzz)
        seconds="${2:-600}"
        if ! command -v clang++ >/dev/null 2>&1; then
            echo "setup: clang++ not found (Debian: clang libclang-rt-14-dev); cannot fuzz" >&2
            exit 1
        fi
        run_fuzz "$seconds"
        ;;
    *)
        echo "usage: $0 demo|test|bench|build|package|sanitize|lint [BASE]|fuzz [SECONDS]|soak [KILLS]" >&2
        exit 2
        ;;
esac
