# SPDX-License-Identifier: MIT
# Linux packaging, included by installer/CMakeLists.txt before include(CPack).
#   cpack -G DEB  a Debian package for /usr; its Depends come from the libraries the two
#                 executables link (dpkg-shlibdeps), so they are Debian/Ubuntu package names.
#   cpack -G TGZ  a portable archive: the same tree plus every library it needs that a desktop
#                 Linux does not already have, found by bundle_libraries.cmake, with an rpath
#                 ($ORIGIN) so that it runs from any folder.
# Neither touches what users make: runs live in the folders they choose and settings in
# ~/.config/CXR Studio, so upgrading or removing the package keeps both.
include(GNUInstallDirs)
install(FILES ${CMAKE_CURRENT_LIST_DIR}/cxr-studio.desktop DESTINATION ${CMAKE_INSTALL_DATADIR}/applications)
install(FILES ${CMAKE_CURRENT_LIST_DIR}/../cxr-studio.svg DESTINATION ${CMAKE_INSTALL_DATADIR}/icons/hicolor/scalable/apps)
# Its <releases> list is written by hand (with each release's date); the package test checks
# that it names this version.
install(FILES ${CMAKE_CURRENT_LIST_DIR}/io.github.cxrstudio.CxrStudio.metainfo.xml DESTINATION ${CMAKE_INSTALL_DATADIR}/metainfo)
# The man page carries the project's version and ships gzipped (Debian policy; man reads both).
configure_file(${CMAKE_CURRENT_LIST_DIR}/cxr.1.in "${CMAKE_CURRENT_BINARY_DIR}/cxr.1" @ONLY)
file(ARCHIVE_CREATE OUTPUT "${CMAKE_CURRENT_BINARY_DIR}/cxr.1.gz"
    PATHS "${CMAKE_CURRENT_BINARY_DIR}/cxr.1" FORMAT raw COMPRESSION GZip)
install(FILES "${CMAKE_CURRENT_BINARY_DIR}/cxr.1.gz" DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)

set(CPACK_GENERATOR "DEB;TGZ")

set(CPACK_DEBIAN_PACKAGE_SECTION "science")
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# Loaded at run time, so dpkg-shlibdeps cannot see them: Qt's platform plugins (xcb, Wayland).
set(CPACK_DEBIAN_PACKAGE_DEPENDS "qt6-qpa-plugins")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT) # cxr-studio_0.1.0_amd64.deb
set(CPACK_DEBIAN_PACKAGE_HOMEPAGE "${CPACK_PACKAGE_HOMEPAGE_URL}")
# xdg-utils for the desktop entry; the icon theme and MIME databases refresh by dpkg triggers.
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "xdg-utils")

# Where the portable archive's bundling finds Qt's plugins (the platform plugin at least).
set(CPACK_CXR_QT_PLUGIN_DIR "${QT6_INSTALL_PREFIX}/${QT6_INSTALL_PLUGINS}")
set(CPACK_CXR_BUNDLE_SCRIPT "${CMAKE_CURRENT_LIST_DIR}/bundle_libraries.cmake")
# Per generator: only the portable archive gets the bundled libraries.
configure_file(${CMAKE_CURRENT_LIST_DIR}/cpack_generator_options.cmake.in
    "${CMAKE_CURRENT_BINARY_DIR}/cpack_generator_options.cmake" @ONLY)
set(CPACK_PROJECT_CONFIG_FILE "${CMAKE_CURRENT_BINARY_DIR}/cpack_generator_options.cmake")
