# SPDX-License-Identifier: MIT
# Fails when a dependency rule of docs/architecture.md is broken:
#   - nothing under core/ includes a Qt header or links a Qt target;
#   - nothing under ui/, app/ or core/pipeline includes a LibTorch header (only core/ml may);
#   - core/ml includes no OpenCV, DCMTK or Qt header, and links none of them;
#   - core/imaging, core/data and core/tuning include no LibTorch header.
# Run: cmake -DSOURCE_DIR=<repo> -P tests/architecture_check.cmake
set(violations "")

function(scan_sources folder regex rule)
    file(GLOB_RECURSE files "${SOURCE_DIR}/${folder}/*.h" "${SOURCE_DIR}/${folder}/*.cpp"
        "${SOURCE_DIR}/${folder}/*.h.in" "${SOURCE_DIR}/${folder}/*.cpp.in")
    foreach(file IN LISTS files)
        file(STRINGS "${file}" lines REGEX "${regex}")
        if(lines)
            list(GET lines 0 first)
            string(REPLACE "${SOURCE_DIR}/" "" relative "${file}")
            string(APPEND violations "\n  ${relative}: ${rule}: ${first}")
        endif()
    endforeach()
    set(violations "${violations}" PARENT_SCOPE)
endfunction()

function(scan_cmake folder regex rule)
    file(GLOB_RECURSE files "${SOURCE_DIR}/${folder}/CMakeLists.txt")
    foreach(file IN LISTS files)
        file(STRINGS "${file}" lines REGEX "${regex}")
        if(lines)
            list(GET lines 0 first)
            string(REPLACE "${SOURCE_DIR}/" "" relative "${file}")
            string(APPEND violations "\n  ${relative}: ${rule}: ${first}")
        endif()
    endforeach()
    set(violations "${violations}" PARENT_SCOPE)
endfunction()

set(qt_include "^[ \t]*#[ \t]*include[ \t]*[<\"](Q[A-Z][A-Za-z]*|Qt[A-Za-z]*/|qcustomplot)")
set(torch_include "^[ \t]*#[ \t]*include[ \t]*[<\"](torch/|ATen/|c10/)")
set(cv_dcmtk_include "^[ \t]*#[ \t]*include[ \t]*[<\"](opencv2/|dcmtk/)")

scan_sources(core "${qt_include}" "core must not include Qt")
scan_cmake(core "Qt6::|Qt5::|QCustomPlot" "core must not link Qt")
scan_sources(ui "${torch_include}" "ui must not include LibTorch")
scan_sources(app "${torch_include}" "app must not include LibTorch")
scan_sources(core/imaging "${torch_include}" "core/imaging must not include LibTorch")
scan_sources(core/data "${torch_include}" "core/data must not include LibTorch")
scan_sources(core/tuning "${torch_include}" "core/tuning must not include LibTorch")
scan_sources(core/pipeline "${torch_include}" "core/pipeline uses only torch-free facades")
scan_sources(core/ml "${cv_dcmtk_include}" "core/ml builds with LibTorch alone")
scan_cmake(core/ml "opencv|OpenCV|DCMTK|Qt6" "core/ml links LibTorch only")

if(violations)
    message(FATAL_ERROR "Architecture rules broken:${violations}")
endif()
message(STATUS "Architecture rules hold")
