# SPDX-License-Identifier: MIT
# Makes an installed CXR Studio tree portable: copies into lib/ every shared library that
# bin/cxr, bin/cxr-studio and the Qt plugins need, except those every desktop Linux provides
# (and must provide itself: the C library, the graphics driver stack, X11/Wayland and fonts);
# copies the Qt plugins into plugins/ with a qt.conf that points Qt there; and sets each
# binary's rpath relative to itself ($ORIGIN), so the tree runs from any folder.
#
# Three ways in:
#   CPack (cpack -G TGZ): run as CPACK_PRE_BUILD_SCRIPTS on the staged tree.
#   By hand or from a test:
#     cmake -DBUNDLE_ROOT=<installed tree> -DQT_PLUGIN_DIR=<Qt plugins> -P bundle_libraries.cmake
#   Checking a bundled tree (the package test): -DBUNDLE_ROOT=<tree> -DCHECK_ONLY=ON fails,
#     naming them, when a binary in it needs a library that is neither bundled nor left to the
#     system on purpose, or lacks its rpath.
# Needs patchelf. What the result needs from the system: glibc 2.36 and libstdc++ from GCC 12 or
# newer (Debian 12, Ubuntu 23.04, Fedora 37 and later), X11 or Wayland, OpenGL and fontconfig.
cmake_minimum_required(VERSION 3.21)

if(NOT BUNDLE_ROOT AND CPACK_TEMPORARY_DIRECTORY)
    set(BUNDLE_ROOT "${CPACK_TEMPORARY_DIRECTORY}")
    set(QT_PLUGIN_DIR "${CPACK_CXR_QT_PLUGIN_DIR}")
endif()
if(NOT IS_DIRECTORY "${BUNDLE_ROOT}/bin")
    message(FATAL_ERROR "bundle_libraries: ${BUNDLE_ROOT} has no bin/ folder (BUNDLE_ROOT)")
endif()
find_program(PATCHELF patchelf)
if(NOT PATCHELF)
    message(FATAL_ERROR "bundle_libraries: patchelf not found (Debian: apt-get install patchelf)")
endif()

# The libraries left to the system. Bundling the C/C++ runtime or the graphics stack breaks on
# other distributions: the host's GPU driver loads its own copies, and two of them clash.
set(CXR_SYSTEM_LIBRARIES
    "^(ld-linux.*|libc|libm|libdl|libpthread|librt|libutil|libresolv|libnsl|libanl|libmvec)\\.so"
    "^lib(gcc_s|stdc\\+\\+)\\.so"
    "^lib(GL|GLX|GLdispatch|OpenGL|EGL|GLESv2|gbm|drm|vulkan)\\.so"
    "^lib(X11|X11-xcb|Xext|Xrender|Xau|Xdmcp|Xfixes|Xi|Xcursor|Xrandr|Xinerama|SM|ICE)\\.so"
    # libxcb itself, but not the xcb-util libraries (icccm, image, keysyms, ...) Qt's xcb
    # plugin needs, which many desktops do not install.
    "^libxcb\\.so"
    "^libwayland-.*\\.so"
    "^lib(fontconfig|freetype|harfbuzz|expat|dbus-1|udev|systemd)\\.so"
    "^libasound\\.so")

function(is_system_library name result)
    set(${result} FALSE PARENT_SCOPE)
    foreach(_pattern IN LISTS CXR_SYSTEM_LIBRARIES)
        if(name MATCHES "${_pattern}")
            set(${result} TRUE PARENT_SCOPE)
        endif()
    endforeach()
endfunction()

if(CHECK_ONLY)
    file(GLOB _check_binaries "${BUNDLE_ROOT}/bin/*" "${BUNDLE_ROOT}/lib/*.so*"
        "${BUNDLE_ROOT}/plugins/*/*.so")
    list(FILTER _check_binaries EXCLUDE REGEX "/qt\\.conf$")
    set(_problems)
    foreach(_binary IN LISTS _check_binaries)
        execute_process(COMMAND "${PATCHELF}" --print-needed "${_binary}"
            OUTPUT_VARIABLE _needed RESULT_VARIABLE _result)
        if(NOT _result EQUAL 0)
            list(APPEND _problems "${_binary}: patchelf cannot read it (not an ELF file?)")
            continue()
        endif()
        execute_process(COMMAND "${PATCHELF}" --print-rpath "${_binary}"
            OUTPUT_VARIABLE _rpath OUTPUT_STRIP_TRAILING_WHITESPACE)
        if(NOT _rpath MATCHES "^\\$ORIGIN")
            list(APPEND _problems "${_binary}: its rpath is '${_rpath}', not relative to $ORIGIN")
        endif()
        string(REPLACE "\n" ";" _needed "${_needed}")
        foreach(_name IN LISTS _needed)
            if(_name STREQUAL "" OR EXISTS "${BUNDLE_ROOT}/lib/${_name}")
                continue()
            endif()
            is_system_library("${_name}" _system)
            if(NOT _system)
                list(APPEND _problems "${_binary} needs ${_name}, which is not bundled")
            endif()
        endforeach()
    endforeach()
    list(LENGTH _check_binaries _count)
    if(_problems)
        list(JOIN _problems "\n  " _text)
        message(FATAL_ERROR "bundle_libraries: ${BUNDLE_ROOT} is not self-contained:\n  ${_text}")
    endif()
    message(STATUS "bundle_libraries: ${_count} binaries in ${BUNDLE_ROOT}, each finds its libraries")
    return()
endif()

if(NOT IS_DIRECTORY "${QT_PLUGIN_DIR}/platforms")
    message(FATAL_ERROR "bundle_libraries: ${QT_PLUGIN_DIR} has no platforms/ folder (QT_PLUGIN_DIR)")
endif()
# The Qt plugins a desktop needs: X11 and headless platforms, OpenGL on X11, image formats,
# input methods. Not the GTK platform theme: it would bring GTK, GLib's GIO and pango into the
# bundle, which then load the host's GIO and pixbuf modules built against other versions.
set(_plugin_dirs platforms xcbglintegrations imageformats platforminputcontexts iconengines)
set(_plugins)
foreach(_dir IN LISTS _plugin_dirs)
    if(IS_DIRECTORY "${QT_PLUGIN_DIR}/${_dir}")
        file(GLOB _found "${QT_PLUGIN_DIR}/${_dir}/*.so")
        foreach(_plugin IN LISTS _found)
            get_filename_component(_name "${_plugin}" NAME)
            # eglfs, linuxfb, vnc and friends are for embedded boards, not desktops.
            if(_dir STREQUAL "platforms" AND NOT _name MATCHES "^libq(xcb|offscreen|minimal|wayland.*)\\.so$")
                continue()
            endif()
            file(COPY "${_plugin}" DESTINATION "${BUNDLE_ROOT}/plugins/${_dir}")
            list(APPEND _plugins "${BUNDLE_ROOT}/plugins/${_dir}/${_name}")
        endforeach()
    endif()
endforeach()

string(REGEX REPLACE "([][+.*()^$?|\\\\])" "\\\\\\1" _bundle_root_regex "${BUNDLE_ROOT}")
file(GLOB _executables "${BUNDLE_ROOT}/bin/*")
list(FILTER _executables EXCLUDE REGEX "/qt\\.conf$")
file(GET_RUNTIME_DEPENDENCIES
    EXECUTABLES ${_executables}
    MODULES ${_plugins}
    RESOLVED_DEPENDENCIES_VAR _resolved
    UNRESOLVED_DEPENDENCIES_VAR _unresolved
    POST_EXCLUDE_REGEXES "^${_bundle_root_regex}/")
if(_unresolved)
    message(FATAL_ERROR "bundle_libraries: bin/cxr, bin/cxr-studio or the Qt plugins need "
        "libraries not found on this system: ${_unresolved}")
endif()

file(MAKE_DIRECTORY "${BUNDLE_ROOT}/lib")
set(_bundled 0)
foreach(_library IN LISTS _resolved)
    get_filename_component(_name "${_library}" NAME)
    is_system_library("${_name}" _system)
    if(_system)
        continue()
    endif()
    # Under the name the binaries ask for (the soname), with the real file's contents.
    file(REAL_PATH "${_library}" _real)
    file(COPY_FILE "${_real}" "${BUNDLE_ROOT}/lib/${_name}" ONLY_IF_DIFFERENT)
    math(EXPR _bundled "${_bundled} + 1")
endforeach()

# rpaths: each binary finds lib/ relative to itself. Libraries get one too, because a
# RUNPATH applies only to the object that carries it, not to what its dependencies load.
function(set_rpath file rpath)
    execute_process(COMMAND "${PATCHELF}" --set-rpath "${rpath}" "${file}"
        RESULT_VARIABLE _result ERROR_VARIABLE _error)
    if(NOT _result EQUAL 0)
        message(FATAL_ERROR "bundle_libraries: patchelf failed on ${file}: ${_error}")
    endif()
endfunction()
foreach(_executable IN LISTS _executables)
    set_rpath("${_executable}" "$ORIGIN/../lib")
endforeach()
file(GLOB _libraries "${BUNDLE_ROOT}/lib/*.so*")
foreach(_library IN LISTS _libraries)
    set_rpath("${_library}" "$ORIGIN")
endforeach()
foreach(_plugin IN LISTS _plugins)
    set_rpath("${_plugin}" "$ORIGIN/../../lib")
endforeach()

# Qt looks for qt.conf next to the executable; paths in it are relative to its folder.
file(WRITE "${BUNDLE_ROOT}/bin/qt.conf" "[Paths]\nPrefix = ..\nPlugins = plugins\n")

# What the tree needs from the system depends on the system it was built on: the newest glibc
# and libstdc++ symbol versions any of its binaries use. Said in the tree's README.txt.
find_program(OBJDUMP objdump)
set(_glibc "unknown")
set(_glibcxx "unknown")
if(OBJDUMP)
    file(GLOB _all_binaries "${BUNDLE_ROOT}/bin/cxr" "${BUNDLE_ROOT}/bin/cxr-studio"
        "${BUNDLE_ROOT}/lib/*.so*" "${BUNDLE_ROOT}/plugins/*/*.so")
    set(_glibc "0")
    set(_glibcxx "0")
    foreach(_binary IN LISTS _all_binaries)
        execute_process(COMMAND "${OBJDUMP}" -T "${_binary}" OUTPUT_VARIABLE _symbols ERROR_QUIET)
        string(REGEX MATCHALL "GLIBC_[0-9.]+|GLIBCXX_[0-9.]+" _versions "${_symbols}")
        list(REMOVE_DUPLICATES _versions)
        foreach(_version IN LISTS _versions)
            if(_version MATCHES "^GLIBC_(.*)$" AND CMAKE_MATCH_1 VERSION_GREATER _glibc)
                set(_glibc "${CMAKE_MATCH_1}")
            elseif(_version MATCHES "^GLIBCXX_(.*)$" AND CMAKE_MATCH_1 VERSION_GREATER _glibcxx)
                set(_glibcxx "${CMAKE_MATCH_1}")
            endif()
        endforeach()
    endforeach()
endif()
file(WRITE "${BUNDLE_ROOT}/README.txt" "CXR Studio, portable for x86-64 Linux

Run bin/cxr-studio (the desktop application) or bin/cxr (the command line) from this folder;
it can be moved anywhere. It carries its own libraries and Qt plugins, and uses these from the
system: glibc ${_glibc} or newer, libstdc++ with GLIBCXX_${_glibcxx} (from GCC's runtime) or
newer, X11 or Wayland (XWayland), OpenGL, fontconfig and freetype.

Settings are kept in ~/.config/CXR Studio and runs wherever you save them; deleting this
folder leaves both.
")
message(STATUS "bundle_libraries: the tree needs glibc ${_glibc} and GLIBCXX_${_glibcxx}")
list(LENGTH _plugins _plugin_count)
message(STATUS "bundle_libraries: ${_bundled} libraries and ${_plugin_count} Qt plugins "
    "bundled into ${BUNDLE_ROOT}")
