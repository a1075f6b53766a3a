# SPDX-License-Identifier: MIT
# Build options, each listed in the feature summary at the end of configuration.
option(CXR_ML_ONLY "Build only core/ml and the tools that need LibTorch alone (GPU nodes)" OFF)
option(CXR_BUILD_TESTS "Build the Qt Test executables and register them with CTest" ON)
option(CXR_BUILD_BENCHMARKS "Build the benchmarks under tests/bench" ON)
option(CXR_TORCH_PCH "Precompile the LibTorch headers of core/ml" ON)
option(CXR_FUZZ "Build the libFuzzer targets of tests/fuzz under ASan and UBSan (clang only)" OFF)

# The tests and benchmarks need the whole stack (Qt, OpenCV, DCMTK).
if(CXR_ML_ONLY)
    set(CXR_BUILD_TESTS OFF)
    set(CXR_BUILD_BENCHMARKS OFF)
endif()

add_feature_info(MlOnly CXR_ML_ONLY "build core/ml only (LibTorch and header-only JSON)")
add_feature_info(Tests CXR_BUILD_TESTS "Qt Test executables registered with CTest")
add_feature_info(Benchmarks CXR_BUILD_BENCHMARKS "benchmarks under tests/bench")
add_feature_info(TorchPch CXR_TORCH_PCH "precompiled LibTorch headers")
add_feature_info(Fuzz CXR_FUZZ "libFuzzer targets under tests/fuzz (ASan, UBSan)")
