# SPDX-License-Identifier: MIT
# One INTERFACE target carries the warnings and definitions every project target shares.
add_library(cxr_project_flags INTERFACE)
add_library(Cxr::ProjectFlags ALIAS cxr_project_flags)
if(MSVC)
    target_compile_options(cxr_project_flags INTERFACE /W4 /permissive-)
else()
    target_compile_options(cxr_project_flags INTERFACE -Wall -Wextra -Wpedantic
        -Wno-unused-parameter)
endif()
