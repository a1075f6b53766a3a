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

# Configure again when HEAD moves (a commit, a checkout), so the commit reported is never stale.
if(EXISTS "${CMAKE_SOURCE_DIR}/.git/HEAD")
    set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${CMAKE_SOURCE_DIR}/.git/HEAD")
    file(READ "${CMAKE_SOURCE_DIR}/.git/HEAD" _cxr_git_head)
    if(_cxr_git_head MATCHES "^ref: ([^\n]+)")
        set(_cxr_git_ref "${CMAKE_SOURCE_DIR}/.git/${CMAKE_MATCH_1}")
        if(EXISTS "${_cxr_git_ref}")
            set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${_cxr_git_ref}")
        endif()
    endif()
endif()
