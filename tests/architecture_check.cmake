# SPDX-License-Identifier: MIT
# Fails when a dependency rule of docs/architecture.md is broken. Each rule holds for what a file
# includes directly and for everything its project headers include in turn, so a facade header
# that quietly pulls in LibTorch breaks the rule of every file that includes it:
#   - nothing under core/ reaches a Qt header or links a Qt target;
#   - nothing outside core/ml reaches a LibTorch header (ui/, app/, core/pipeline use facades);
#   - core/ml reaches no OpenCV, DCMTK or Qt header, and links none of them;
#   - a core/ml header that reaches LibTorch is named torch_*.h or says "Internal to core/ml";
#   - no source file under core/, ui/ or app/ is longer than 500 lines.
# Run: cmake -DSOURCE_DIR=<repo> -P tests/architecture_check.cmake
set(violations "")

set(qt_include "^[ \t]*#[ \t]*include[ \t]*[<\"](Q[A-Z][A-Za-z]*|Qt[A-Za-z]*/|qcustomplot)")
set(torch_include "^[ \t]*#[ \t]*include[ \t]*[<\"](torch/|ATen/|c10/)")
set(cv_dcmtk_include "^[ \t]*#[ \t]*include[ \t]*[<\"](opencv2/|dcmtk/)")
set(project_include "^[ \t]*#[ \t]*include[ \t]*\"([^\"]+)\"")

file(GLOB_RECURSE sources RELATIVE "${SOURCE_DIR}"
    "${SOURCE_DIR}/core/*.h" "${SOURCE_DIR}/core/*.cpp" "${SOURCE_DIR}/core/*.h.in"
    "${SOURCE_DIR}/core/*.cpp.in" "${SOURCE_DIR}/ui/*.h" "${SOURCE_DIR}/ui/*.cpp"
    "${SOURCE_DIR}/app/*.h" "${SOURCE_DIR}/app/*.cpp")

# The include graph: for each file, the project files it includes ("core/ml/x.h" from the
# repository root, or "x.h" beside the file), and the outside headers of each kind it includes.
foreach(file IN LISTS sources)
    string(MAKE_C_IDENTIFIER "${file}" id)
    set(deps_${id} "")
    get_filename_component(folder "${file}" DIRECTORY)
    file(STRINGS "${SOURCE_DIR}/${file}" includes REGEX "${project_include}")
    foreach(line IN LISTS includes)
        string(REGEX REPLACE "${project_include}.*" "\\1" included "${line}")
        if(EXISTS "${SOURCE_DIR}/${included}" AND NOT IS_DIRECTORY "${SOURCE_DIR}/${included}")
            list(APPEND deps_${id} "${included}")
        elseif(EXISTS "${SOURCE_DIR}/${folder}/${included}")
            list(APPEND deps_${id} "${folder}/${included}")
        endif()
    endforeach()
    foreach(kind qt torch cv_dcmtk)
        file(STRINGS "${SOURCE_DIR}/${file}" lines REGEX "${${kind}_include}")
        if(lines)
            list(GET lines 0 first)
            string(STRIP "${first}" first)
            set(${kind}_${id} "${first}") # how the file reaches that kind: here, this line
        endif()
    endforeach()
endforeach()

# Propagates reachability until nothing changes; each file remembers through which include it
# reaches a kind, so a broken rule can be shown as the chain of includes that breaks it.
set(changed TRUE)
while(changed)
    set(changed FALSE)
    foreach(file IN LISTS sources)
        string(MAKE_C_IDENTIFIER "${file}" id)
        foreach(dep IN LISTS deps_${id})
            string(MAKE_C_IDENTIFIER "${dep}" dep_id)
            foreach(kind qt torch cv_dcmtk)
                if(DEFINED ${kind}_${dep_id} AND NOT DEFINED ${kind}_${id})
                    set(${kind}_${id} "${dep} -> ${${kind}_${dep_id}}")
                    set(changed TRUE)
                endif()
            endforeach()
        endforeach()
    endforeach()
endwhile()

function(check_reach folder kind rule)
    foreach(file IN LISTS sources)
        if(file MATCHES "^${folder}/")
            string(MAKE_C_IDENTIFIER "${file}" id)
            if(DEFINED ${kind}_${id})
                string(APPEND violations "\n  ${file}: ${rule}: ${${kind}_${id}}")
            endif()
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

check_reach(core qt "core must not include Qt")
scan_cmake(core "Qt6::|Qt5::|QCustomPlot" "core must not link Qt")
check_reach(ui torch "ui must not include LibTorch")
check_reach(app torch "app must not include LibTorch")
foreach(module common data imaging pacs pipeline tuning)
    check_reach(core/${module} torch "core/${module} uses only torch-free facades of core/ml")
endforeach()
check_reach(core/ml cv_dcmtk "core/ml builds with LibTorch alone")
scan_cmake(core/ml "opencv|OpenCV|DCMTK|Qt6" "core/ml links LibTorch only")

# core/ml's own headers: one that reaches LibTorch says so in its name or its first comment.
foreach(file IN LISTS sources)
    if(file MATCHES "^core/ml/[^/]+\\.h$" AND NOT file MATCHES "/torch_[^/]+\\.h$")
        string(MAKE_C_IDENTIFIER "${file}" id)
        if(DEFINED torch_${id})
            file(STRINGS "${SOURCE_DIR}/${file}" internal REGEX "Internal to core/ml")
            if(NOT internal)
                string(APPEND violations "\n  ${file}: a core/ml header that includes LibTorch is "
                    "named torch_*.h or says \"Internal to core/ml\": ${torch_${id}}")
            endif()
        endif()
    endif()
endforeach()

# Files of one purpose stay short enough to read in one sitting.
set(max_lines 500)
foreach(file IN LISTS sources)
    file(READ "${SOURCE_DIR}/${file}" text)
    string(REGEX MATCHALL "\n" newlines "${text}")
    list(LENGTH newlines count)
    if(count GREATER max_lines)
        string(APPEND violations "\n  ${file}: ${count} lines, more than ${max_lines}: split it")
    endif()
endforeach()

if(violations)
    message(FATAL_ERROR "Architecture rules broken:${violations}")
endif()
list(LENGTH sources count)
message(STATUS "Architecture rules hold (${count} files, includes followed transitively)")
