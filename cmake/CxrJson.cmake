# SPDX-License-Identifier: MIT
# nlohmann-json is header-only. Use the system package where it exists (Debian:
# nlohmann-json3-dev); a GPU node that has only LibTorch gets a clear error naming the package.
find_package(nlohmann_json 3.9 CONFIG QUIET)
if(NOT nlohmann_json_FOUND)
    message(FATAL_ERROR "nlohmann-json not found: install nlohmann-json3-dev (Debian/Ubuntu), "
        "nlohmann-json (Homebrew) or nlohmann-json (vcpkg), or point CMAKE_PREFIX_PATH at it.")
endif()
set_package_properties(nlohmann_json PROPERTIES TYPE REQUIRED PURPOSE "run folders and model cards")
