# SPDX-License-Identifier: MIT
# Windows packaging: an NSIS installer, and an MSI when the WiX toolset is installed.
# installer/CMakeLists.txt includes this file on WIN32, after the common CPACK_* settings and
# before include(CPack). The install tree becomes self-contained: cxr.exe, cxr-studio.exe and
# every DLL they load (Qt, LibTorch, OpenCV, DCMTK, QCustomPlot, the MSVC runtime) go to bin/,
# the Qt plugins to plugins/.
#
# User data is never installed here, so an upgrade or an uninstall leaves it alone: run folders
# live wherever the user chose, and settings live in HKCU\Software\CXR Studio\CXR Studio
# (QSettings). The uninstaller removes only the files it installed, its own registry entries
# and the file association below.

# --- Icon --------------------------------------------------------------------------------------
# The workflow renders installer/cxr-studio.svg to this .ico before configuring. Without it the
# installer and the executable keep the default icons.
set(CXR_WINDOWS_ICON "${CMAKE_BINARY_DIR}/cxr-studio.ico")
if(EXISTS "${CXR_WINDOWS_ICON}")
    # An icon resource in the executable, so the Start-menu entry, the taskbar and "Apps &
    # features" show it. The .rc is generated because the .ico itself is a build artefact.
    file(WRITE "${CMAKE_BINARY_DIR}/cxr-studio-icon.rc"
        "IDI_ICON1 ICON \"${CXR_WINDOWS_ICON}\"\n")
    target_sources(cxr-studio PRIVATE "${CMAKE_BINARY_DIR}/cxr-studio-icon.rc")
else()
    message(STATUS "installer/windows: ${CXR_WINDOWS_ICON} not found; default icons")
endif()

# --- Qt: DLLs, plugins and qt.conf, by Qt's own deployment (windeployqt) ----------------------
if(COMMAND qt_generate_deploy_app_script)
    if(Qt6_VERSION VERSION_GREATER_EQUAL 6.5)
        qt_generate_deploy_app_script(TARGET cxr-studio
            OUTPUT_SCRIPT _cxr_qt_deploy_script
            NO_UNSUPPORTED_PLATFORM_ERROR)
    else() # Qt 6.3 and 6.4 name the output argument differently
        qt_generate_deploy_app_script(TARGET cxr-studio
            FILENAME_VARIABLE _cxr_qt_deploy_script
            NO_UNSUPPORTED_PLATFORM_ERROR)
    endif()
    # cxr.exe shares bin/ with cxr-studio.exe and needs a subset of its Qt modules (Core, Gui).
    install(SCRIPT "${_cxr_qt_deploy_script}")
else()
    message(WARNING "installer/windows: Qt ${Qt6_VERSION} has no qt_generate_deploy_app_script "
        "(Qt 6.3 or later); the package will lack the Qt DLLs. Run windeployqt on "
        "bin/cxr-studio.exe in the install tree before packaging.")
endif()

# --- LibTorch ------------------------------------------------------------------------------------
# All of lib/*.dll, not only what the executables import: LibTorch loads some of its DLLs
# (OpenMP, fbgemm, asmjit, ...) through others, and the set changes between releases.
file(GLOB _cxr_torch_dlls "${TORCH_INSTALL_PREFIX}/lib/*.dll")
if(_cxr_torch_dlls)
    install(FILES ${_cxr_torch_dlls} DESTINATION bin)
else()
    message(WARNING "installer/windows: no DLLs in ${TORCH_INSTALL_PREFIX}/lib; is this a "
        "shared LibTorch (libtorch-win-shared-with-deps)?")
endif()

# --- MSVC runtime, copied next to the executables so no VC++ redistributable is needed ------------
set(CMAKE_INSTALL_SYSTEM_RUNTIME_DESTINATION bin)
set(CMAKE_INSTALL_UCRT_LIBRARIES OFF) # part of Windows 10 and later
include(InstallRequiredSystemLibraries)

# --- Every other third-party DLL (OpenCV, DCMTK, QCustomPlot and what they pull in) --------------
# install(TARGETS ... RUNTIME_DEPENDENCY_SET) belongs where the targets are installed (app/);
# here the executables' imports are resolved at install time instead, against the folders the
# imported targets' DLLs live in, and copied to bin/.
set(_cxr_dll_dirs "${TORCH_INSTALL_PREFIX}/lib")
foreach(_cxr_dep IN ITEMS
        opencv_core opencv_imgproc opencv_imgcodecs opencv_ml
        DCMTK::dcmdata DCMTK::dcmimgle DCMTK::dcmimage DCMTK::dcmjpeg DCMTK::dcmjpls DCMTK::ofstd
        QCustomPlotQt6::QCustomPlotQt6)
    if(NOT TARGET ${_cxr_dep})
        continue()
    endif()
    get_target_property(_cxr_imported ${_cxr_dep} IMPORTED)
    if(NOT _cxr_imported)
        continue()
    endif()
    foreach(_cxr_prop IN ITEMS IMPORTED_LOCATION_RELEASE IMPORTED_LOCATION_RELWITHDEBINFO
            IMPORTED_LOCATION_MINSIZEREL IMPORTED_LOCATION_NONE IMPORTED_LOCATION)
        get_target_property(_cxr_location ${_cxr_dep} ${_cxr_prop})
        if(_cxr_location)
            get_filename_component(_cxr_dir "${_cxr_location}" DIRECTORY)
            list(APPEND _cxr_dll_dirs "${_cxr_dir}")
            # A static library's DLL dependencies (zlib, libpng, ...) sit in the sibling bin/.
            if(IS_DIRECTORY "${_cxr_dir}/../bin")
                get_filename_component(_cxr_bin "${_cxr_dir}/../bin" ABSOLUTE)
                list(APPEND _cxr_dll_dirs "${_cxr_bin}")
            endif()
            break()
        endif()
    endforeach()
endforeach()
if(DEFINED VCPKG_INSTALLED_DIR AND DEFINED VCPKG_TARGET_TRIPLET)
    list(APPEND _cxr_dll_dirs "${VCPKG_INSTALLED_DIR}/${VCPKG_TARGET_TRIPLET}/bin")
endif()
list(REMOVE_DUPLICATES _cxr_dll_dirs)

# dumpbin reads the import tables; it sits next to cl.exe. Left empty, CMake looks for it itself.
set(_cxr_dumpbin "")
if(MSVC)
    get_filename_component(_cxr_cl_dir "${CMAKE_CXX_COMPILER}" DIRECTORY)
    find_program(CXR_DUMPBIN dumpbin HINTS "${_cxr_cl_dir}")
    if(CXR_DUMPBIN)
        set(_cxr_dumpbin "${CXR_DUMPBIN}")
    endif()
endif()

install(CODE "
set(_cxr_executables \"$<TARGET_FILE:cxr>\" \"$<TARGET_FILE:cxr-studio>\")
set(_cxr_dll_dirs \"${_cxr_dll_dirs}\")
set(_cxr_dumpbin \"${_cxr_dumpbin}\")
")
install(CODE [[
if(_cxr_dumpbin)
    set(CMAKE_GET_RUNTIME_DEPENDENCIES_PLATFORM "windows+pe")
    set(CMAKE_GET_RUNTIME_DEPENDENCIES_TOOL "dumpbin")
    set(CMAKE_GET_RUNTIME_DEPENDENCIES_COMMAND "${_cxr_dumpbin}")
endif()
file(GET_RUNTIME_DEPENDENCIES
    EXECUTABLES ${_cxr_executables}
    DIRECTORIES ${_cxr_dll_dirs}
    RESOLVED_DEPENDENCIES_VAR _cxr_resolved
    UNRESOLVED_DEPENDENCIES_VAR _cxr_unresolved
    CONFLICTING_DEPENDENCIES_PREFIX _cxr_conflicting
    # API sets are resolved by the loader; Qt is windeployqt's job (it also picks the plugins).
    PRE_EXCLUDE_REGEXES "^[Aa][Pp][Ii]-[Mm][Ss]-.*" "^[Ee][Xx][Tt]-[Mm][Ss]-.*" "^[Qq][Tt]6.*"
    # Whatever Windows itself provides stays out of the package.
    POST_EXCLUDE_REGEXES ".*[Ss][Yy][Ss][Tt][Ee][Mm]32.*" ".*[Ww][Ii][Nn][Ss][Xx][Ss].*")
foreach(_cxr_name IN LISTS _cxr_conflicting_FILENAMES)
    # The same DLL name found in two folders: take the first folder's, as the loader would.
    list(GET _cxr_conflicting_${_cxr_name} 0 _cxr_first)
    message(STATUS "CXR Studio: ${_cxr_name} found more than once; using ${_cxr_first}")
    list(APPEND _cxr_resolved "${_cxr_first}")
endforeach()
if(_cxr_unresolved)
    message(WARNING "CXR Studio: DLLs not found, the package may not start: ${_cxr_unresolved}")
endif()
file(INSTALL DESTINATION "${CMAKE_INSTALL_PREFIX}/bin" TYPE SHARED_LIBRARY FILES ${_cxr_resolved})
]])

# --- CPack: common to NSIS and WiX ---------------------------------------------------------------
# Values reach cpack through CPackConfig.cmake, which CMake parses once more; unless the project
# asks for verbatim variables, text with backslashes, quotes or $ is escaped for that second pass.
function(_cxr_cpack_text variable text)
    if(NOT CPACK_VERBATIM_VARIABLES)
        string(REGEX REPLACE "([\\\$\"])" "\\\\\\1" text "${text}")
    endif()
    set(${variable} "${text}" PARENT_SCOPE)
endfunction()

set(CPACK_GENERATOR "NSIS")
set(CPACK_PACKAGE_INSTALL_DIRECTORY "CXR Studio")
# Start-menu entry "CXR Studio" for bin\cxr-studio.exe; the desktop link is offered as a choice.
set(CPACK_PACKAGE_EXECUTABLES "cxr-studio" "CXR Studio")
set(CPACK_CREATE_DESKTOP_LINKS "cxr-studio")
# A fixed key, without the version, so that a new installer finds and replaces the old install.
# It must not be "CXR Studio": the uninstaller deletes HK*\Software\<vendor>\<this key>, and
# HKCU\Software\CXR Studio\CXR Studio holds the user's settings.
set(CPACK_PACKAGE_INSTALL_REGISTRY_KEY "cxr-studio")
if(NOT CPACK_RESOURCE_FILE_LICENSE AND EXISTS "${CMAKE_SOURCE_DIR}/LICENSE")
    # WiX accepts only .txt or .rtf licence files.
    configure_file("${CMAKE_SOURCE_DIR}/LICENSE" "${CMAKE_BINARY_DIR}/LICENSE.txt" COPYONLY)
    set(CPACK_RESOURCE_FILE_LICENSE "${CMAKE_BINARY_DIR}/LICENSE.txt")
endif()

# --- NSIS --------------------------------------------------------------------------------------
set(CPACK_NSIS_PACKAGE_NAME "CXR Studio")
set(CPACK_NSIS_DISPLAY_NAME "CXR Studio")
_cxr_cpack_text(CPACK_NSIS_INSTALL_ROOT [[$PROGRAMFILES64]]) # not "Program Files (x86)"
set(CPACK_NSIS_EXECUTABLES_DIRECTORY "bin")
set(CPACK_NSIS_MUI_FINISHPAGE_RUN "cxr-studio.exe")
_cxr_cpack_text(CPACK_NSIS_INSTALLED_ICON_NAME [[bin\cxr-studio.exe]])
# Offers "add bin\ to PATH" (off unless chosen) so that cxr works from any terminal.
set(CPACK_NSIS_MODIFY_PATH ON)
# An older version is uninstalled first (its files only; see the top of this file).
set(CPACK_NSIS_ENABLE_UNINSTALL_BEFORE_INSTALL ON)
set(CPACK_NSIS_MANIFEST_DPI_AWARE ON)
if(NOT CPACK_RESOURCE_FILE_LICENSE)
    set(CPACK_NSIS_IGNORE_LICENSE_PAGE ON) # rather than CPack's placeholder text
endif()
if(EXISTS "${CXR_WINDOWS_ICON}")
    set(CPACK_NSIS_MUI_ICON "${CXR_WINDOWS_ICON}")
    set(CPACK_NSIS_MUI_UNIICON "${CXR_WINDOWS_ICON}")
endif()

# File association: .dcm and .dicom open in CXR Studio ("%1" reaches main() as a positional
# argument, which opens it in the Viewer). SHCTX is HKLM for an all-users install and HKCU for a
# per-user one. CXR Studio becomes the default only where no program holds the extension yet;
# otherwise it is listed under "Open with".
_cxr_cpack_text(CPACK_NSIS_EXTRA_INSTALL_COMMANDS [[
  WriteRegStr SHCTX "Software\Classes\CxrStudio.Dicom" "" "DICOM image"
  WriteRegStr SHCTX "Software\Classes\CxrStudio.Dicom\DefaultIcon" "" "$INSTDIR\bin\cxr-studio.exe,0"
  WriteRegStr SHCTX "Software\Classes\CxrStudio.Dicom\shell\open\command" "" '"$INSTDIR\bin\cxr-studio.exe" "%1"'
  WriteRegStr SHCTX "Software\Classes\.dcm\OpenWithProgids" "CxrStudio.Dicom" ""
  WriteRegStr SHCTX "Software\Classes\.dicom\OpenWithProgids" "CxrStudio.Dicom" ""
  ReadRegStr $0 HKCR ".dcm" ""
  StrCmp $0 "" 0 cxr_dcm_taken
    WriteRegStr SHCTX "Software\Classes\.dcm" "" "CxrStudio.Dicom"
  cxr_dcm_taken:
  ReadRegStr $0 HKCR ".dicom" ""
  StrCmp $0 "" 0 cxr_dicom_taken
    WriteRegStr SHCTX "Software\Classes\.dicom" "" "CxrStudio.Dicom"
  cxr_dicom_taken:
  System::Call 'shell32::SHChangeNotify(i 0x08000000, i 0, i 0, i 0)'
]])
# Undo exactly that: the default only where it is still ours. The extension keys themselves stay
# (other programs may keep values there; /ifempty looks at subkeys only in older NSIS).
# Settings and runs stay.
_cxr_cpack_text(CPACK_NSIS_EXTRA_UNINSTALL_COMMANDS [[
  DeleteRegValue SHCTX "Software\Classes\.dcm\OpenWithProgids" "CxrStudio.Dicom"
  DeleteRegValue SHCTX "Software\Classes\.dicom\OpenWithProgids" "CxrStudio.Dicom"
  ReadRegStr $0 SHCTX "Software\Classes\.dcm" ""
  StrCmp $0 "CxrStudio.Dicom" 0 cxr_dcm_not_ours
    DeleteRegValue SHCTX "Software\Classes\.dcm" ""
  cxr_dcm_not_ours:
  ReadRegStr $0 SHCTX "Software\Classes\.dicom" ""
  StrCmp $0 "CxrStudio.Dicom" 0 cxr_dicom_not_ours
    DeleteRegValue SHCTX "Software\Classes\.dicom" ""
  cxr_dicom_not_ours:
  DeleteRegKey SHCTX "Software\Classes\CxrStudio.Dicom"
  System::Call 'shell32::SHChangeNotify(i 0x08000000, i 0, i 0, i 0)'
]])

# --- WiX (optional second generator) -------------------------------------------------------------
# Added when the WiX 3 toolset is found. The MSI has the Start-menu entry but neither the file
# association nor the PATH option (those would need a WiX patch file).
find_program(CXR_WIX_CANDLE candle HINTS "$ENV{WIX}" PATH_SUFFIXES bin)
if(CXR_WIX_CANDLE)
    list(APPEND CPACK_GENERATOR "WIX")
endif()
# Never change this GUID: it is what lets a newer MSI replace an installed older one.
set(CPACK_WIX_UPGRADE_GUID "4C9B3B79-8360-4B4F-875D-9C76955083C6")
set(CPACK_WIX_PROGRAM_MENU_FOLDER "CXR Studio")
if(EXISTS "${CXR_WINDOWS_ICON}")
    set(CPACK_WIX_PRODUCT_ICON "${CXR_WINDOWS_ICON}")
endif()
