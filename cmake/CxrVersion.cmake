# SPDX-License-Identifier: MIT
# One version number, from project(), plus the git commit: the app, the CLI, the packages and
# the model cards all report it through core/common/version.h.
find_package(Git QUIET)
set(CXR_GIT_COMMIT "unknown")
if(GIT_FOUND AND EXISTS "${CMAKE_SOURCE_DIR}/.git")
    execute_process(COMMAND "${GIT_EXECUTABLE}" rev-parse --short=12 HEAD
        WORKING_DIRECTORY "${CMAKE_SOURCE_DIR}"
        OUTPUT_VARIABLE CXR_GIT_COMMIT OUTPUT_STRIP_TRAILING_WHITESPACE
        ERROR_QUIET)
    if(NOT CXR_GIT_COMMIT)
        set(CXR_GIT_COMMIT "unknown")
    endif()
endif()
