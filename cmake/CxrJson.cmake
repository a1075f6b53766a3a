# SPDX-License-Identifier: MIT
# nlohmann-json is header-only. Use the system package where it exists (Debian:
# nlohmann-json3-dev); a GPU node that has only LibTorch may point CXR_JSON_INCLUDE_DIR at a
# folder holding nlohmann/json.hpp instead; otherwise a clear error names the package.
set(CXR_JSON_INCLUDE_DIR "" CACHE PATH "folder with nlohmann/json.hpp, when no CMake package is installed")
find_package(nlohmann_json 3.9 CONFIG QUIET)
if(NOT nlohmann_json_FOUND AND CXR_JSON_INCLUDE_DIR)
    add_library(nlohmann_json::nlohmann_json INTERFACE IMPORTED)
    target_include_directories(nlohmann_json::nlohmann_json INTERFACE "${CXR_JSON_INCLUDE_DIR}")
elseif(NOT nlohmann_json_FOUND)
    message(FATAL_ERROR "nlohmann-json not found: install nlohmann-json3-dev (Debian/Ubuntu), "
        "nlohmann-json (Homebrew) or nlohmann-json (vcpkg), point CMAKE_PREFIX_PATH at it, or "
        "set CXR_JSON_INCLUDE_DIR to a folder holding nlohmann/json.hpp.")
else()
    set_package_properties(nlohmann_json PROPERTIES TYPE REQUIRED PURPOSE "run folders and model cards")
endif()
