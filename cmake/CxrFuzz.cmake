# SPDX-License-Identifier: MIT
# CXR_FUZZ=ON: the libFuzzer targets of tests/fuzz, under AddressSanitizer and UBSan. Every
# project source built in this configuration gets the instrumentation (libFuzzer's coverage
# included), so build it in its own folder (build-fuzz; ./setup.sh fuzz) and only the fuzz
# targets (the fuzz_targets target).
if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "CXR_FUZZ needs clang (libFuzzer): configure with "
        "-DCMAKE_CXX_COMPILER=clang++ (Debian: clang and libclang-rt-14-dev)")
endif()
set(CXR_SANITIZERS "address,undefined")
add_compile_options(-fsanitize=fuzzer-no-link,${CXR_SANITIZERS} -fno-omit-frame-pointer -g)
add_link_options(-fsanitize=${CXR_SANITIZERS})
