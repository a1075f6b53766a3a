# SPDX-License-Identifier: MIT
# Use ccache when it is installed: rebuilds after a branch switch drop from minutes to seconds.
find_program(CXR_CCACHE ccache)
if(CXR_CCACHE AND NOT CMAKE_CXX_COMPILER_LAUNCHER)
    set(CMAKE_CXX_COMPILER_LAUNCHER "${CXR_CCACHE}")
    # Precompiled headers change their mtime on every build; ccache must not reject them.
    set(ENV{CCACHE_SLOPPINESS} "pch_defines,time_macros,include_file_mtime,include_file_ctime")
endif()
add_feature_info(Ccache CXR_CCACHE "compiler cache")
