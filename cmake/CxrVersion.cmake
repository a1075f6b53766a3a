# SPDX-License-Identifier: MIT
# One version number, from project(), plus the git commit: the app, the CLI, the packages and
# the model cards all report it through core/common/version.h.
find_package(Git QUIET)
set(CXR_GIT_COMMIT "unknown")
if(GIT_FOUND AND EXISTS "${CMAKE_SOURCE_DIR}/.git") # a folder, or a file in worktrees
    execute_process(COMMAND "${GIT_EXECUTABLE}" rev-parse --short=12 HEAD
        WORKING_DIRECTORY "${CMAKE_SOURCE_DIR}"
        OUTPUT_VARIABLE CXR_GIT_COMMIT OUTPUT_STRIP_TRAILING_WHITESPACE
        ERROR_QUIET)
    if(NOT CXR_GIT_COMMIT)
        set(CXR_GIT_COMMIT "unknown")
    endif()
endif()

# Configure again when HEAD moves (a commit, a checkout, a reset), so the commit reported is
# never stale. HEAD's reflog is written on every such move, also when the branch ref itself is
# packed; git resolves where it lives (worktrees and submodules have .git as a file).
if(GIT_FOUND AND NOT CXR_GIT_COMMIT STREQUAL "unknown")
    foreach(_cxr_git_file IN ITEMS logs/HEAD HEAD)
        execute_process(COMMAND "${GIT_EXECUTABLE}" rev-parse --path-format=absolute
                                --git-path ${_cxr_git_file}
            WORKING_DIRECTORY "${CMAKE_SOURCE_DIR}"
            OUTPUT_VARIABLE _cxr_git_path OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
        if(_cxr_git_path AND EXISTS "${_cxr_git_path}")
            set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${_cxr_git_path}")
        endif()
    endforeach()
endif()
