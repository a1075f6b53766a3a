# SPDX-License-Identifier: MIT
# macOS packaging: "CXR Studio.app" on a drag-and-drop disk image (CPack DragNDrop).
# installer/CMakeLists.txt includes this file on APPLE, after the common CPACK_* settings and
# before include(CPack). The bundle is self-contained:
#   Contents/MacOS/CXR Studio   the GUI (target cxr-studio)
#   Contents/MacOS/cxr          the CLI; users may link it onto their PATH:
#                               ln -s "/Applications/CXR Studio.app/Contents/MacOS/cxr" /usr/local/bin/cxr
#                               (dyld resolves the link, so the bundle's libraries are still found)
#   Contents/Frameworks/        Qt, LibTorch, OpenCV, DCMTK, QCustomPlot and what they link
#   Contents/PlugIns/           Qt plugins (macdeployqt)
# Settings (QSettings, in ~/Library/Preferences) and run folders live outside the bundle, so
# replacing or deleting the app leaves them in place.

# install(TARGETS) decides between a bundle and a plain executable when it is called, so the
# bundle property has to be set where cxr-studio is created, before its install() rule:
#   add_executable(cxr-studio WIN32 MACOSX_BUNDLE main.cpp)
#   install(TARGETS cxr-studio RUNTIME DESTINATION bin BUNDLE DESTINATION .)
get_target_property(_cxr_is_bundle cxr-studio MACOSX_BUNDLE)
if(NOT _cxr_is_bundle)
    message(FATAL_ERROR "installer/macos: cxr-studio must be created with MACOSX_BUNDLE "
        "(app/studio/CMakeLists.txt), before install(TARGETS ... BUNDLE DESTINATION .).")
endif()

# The bundle's folder name is what Finder and the Dock show; the target keeps its name.
set(CXR_MACOS_APP_NAME "CXR Studio")
set(CXR_MACOS_BUNDLE "${CXR_MACOS_APP_NAME}.app")

# A cache variable, because Info.plist is configured in app/studio's scope at generation time;
# INTERNAL (always overwritten), so that a new deployment target on reconfigure is followed.
# Binaries built against Homebrew's libraries need the macOS those were built for, whatever this
# says, so release builds pass CMAKE_OSX_DEPLOYMENT_TARGET and this follows it.
if(CMAKE_OSX_DEPLOYMENT_TARGET)
    set(_cxr_min_macos "${CMAKE_OSX_DEPLOYMENT_TARGET}")
else()
    set(_cxr_min_macos "11.0")
endif()
set(CXR_MACOS_MINIMUM_VERSION "${_cxr_min_macos}" CACHE INTERNAL
    "LSMinimumSystemVersion of CXR Studio.app; follows CMAKE_OSX_DEPLOYMENT_TARGET")

set_target_properties(cxr-studio PROPERTIES
    OUTPUT_NAME "${CXR_MACOS_APP_NAME}"
    MACOSX_BUNDLE_INFO_PLIST "${CMAKE_CURRENT_LIST_DIR}/Info.plist.in"
    MACOSX_BUNDLE_BUNDLE_NAME "${CXR_MACOS_APP_NAME}"
    MACOSX_BUNDLE_GUI_IDENTIFIER "io.github.cxrstudio.CxrStudio"
    MACOSX_BUNDLE_SHORT_VERSION_STRING "${PROJECT_VERSION}"
    MACOSX_BUNDLE_BUNDLE_VERSION "${PROJECT_VERSION}"
    MACOSX_BUNDLE_COPYRIGHT "CXR Studio contributors, MIT licence"
    # Everything the bundle links is copied into Contents/Frameworks.
    INSTALL_RPATH "@executable_path/../Frameworks")

# The workflow renders installer/cxr-studio.svg to this .icns (iconutil) before configuring.
set(CXR_MACOS_ICON "${CMAKE_BINARY_DIR}/cxr-studio.icns")
if(EXISTS "${CXR_MACOS_ICON}")
    set_target_properties(cxr-studio PROPERTIES MACOSX_BUNDLE_ICON_FILE "cxr-studio.icns")
    install(FILES "${CXR_MACOS_ICON}" DESTINATION "${CXR_MACOS_BUNDLE}/Contents/Resources")
    set(CPACK_PACKAGE_ICON "${CXR_MACOS_ICON}") # the disk image's volume icon
else()
    message(STATUS "installer/macos: ${CXR_MACOS_ICON} not found; default icon")
endif()

# --- The CLI, inside the bundle, sharing its libraries -------------------------------------------
set_target_properties(cxr PROPERTIES INSTALL_RPATH "@executable_path/../Frameworks")
install(TARGETS cxr RUNTIME DESTINATION "${CXR_MACOS_BUNDLE}/Contents/MacOS")

# --- LibTorch ------------------------------------------------------------------------------------
# All of lib/*.dylib: LibTorch's libraries refer to each other through @rpath and load some of
# them (OpenMP) indirectly. A LibTorch taken from a Python wheel also has libtorch_python, which
# needs a Python; it is left out.
file(GLOB _cxr_torch_dylibs "${TORCH_INSTALL_PREFIX}/lib/*.dylib")
list(FILTER _cxr_torch_dylibs EXCLUDE REGEX "python")
if(_cxr_torch_dylibs)
    install(FILES ${_cxr_torch_dylibs} DESTINATION "${CXR_MACOS_BUNDLE}/Contents/Frameworks")
else()
    message(WARNING "installer/macos: no dylibs in ${TORCH_INSTALL_PREFIX}/lib; the bundle "
        "will not find LibTorch")
endif()

# --- Qt and every other library: macdeployqt, through Qt's deployment API ------------------------
# qt_generate_deploy_app_script() would do for the GUI alone, but it cannot name the CLI as a
# second executable, and older Qt versions write the bundle name into the script unquoted, which
# breaks on the space in "CXR Studio.app". So the script is written here, with the same call.
# macdeployqt copies the non-system libraries both executables link (Homebrew's OpenCV, DCMTK and
# their dependencies, QCustomPlot), rewrites their install names, and adds the Qt plugins.
if(COMMAND qt_generate_deploy_script) # Qt 6.5 and later
    qt_generate_deploy_script(
        TARGET cxr-studio
        OUTPUT_SCRIPT _cxr_qt_deploy_script
        CONTENT "
qt_deploy_runtime_dependencies(
    EXECUTABLE \"${CXR_MACOS_BUNDLE}\"
    ADDITIONAL_EXECUTABLES \"${CXR_MACOS_BUNDLE}/Contents/MacOS/cxr\"
)
")
    install(SCRIPT "${_cxr_qt_deploy_script}")
else()
    message(WARNING "installer/macos: Qt ${Qt6_VERSION} has no qt_generate_deploy_script "
        "(Qt 6.5 or later); run macdeployqt on the installed \"${CXR_MACOS_BUNDLE}\" "
        "with -executable=\"${CXR_MACOS_BUNDLE}/Contents/MacOS/cxr\" before packaging.")
endif()

# --- Signature -----------------------------------------------------------------------------------
# Rewriting install names invalidates signatures, and Apple silicon runs no unsigned code, so the
# finished bundle is signed ad hoc. That is enough to run it; a download still needs the user to
# allow it (right-click > Open) until the project signs with a Developer ID and notarises.
install(CODE "set(_cxr_bundle_name \"${CXR_MACOS_BUNDLE}\")")
install(CODE [[
set(_cxr_bundle_path "$ENV{DESTDIR}${CMAKE_INSTALL_PREFIX}/${_cxr_bundle_name}")
execute_process(COMMAND codesign --force --deep --sign - "${_cxr_bundle_path}"
    RESULT_VARIABLE _cxr_codesign_result)
if(NOT _cxr_codesign_result EQUAL 0)
    message(FATAL_ERROR "codesign failed (${_cxr_codesign_result}) on ${_cxr_bundle_path}")
endif()
]])

# --- CPack: the disk image ----------------------------------------------------------------------
# The image holds the bundle and a link to /Applications (CPack adds it) to drag it onto.
set(CPACK_GENERATOR "DragNDrop")
set(CPACK_DMG_VOLUME_NAME "CXR Studio ${PROJECT_VERSION}")
set(CPACK_DMG_FORMAT "UDZO")
