# SPDX-License-Identifier: MIT
# Fails when a function under core/, ui/ or app/ is longer than 80 lines (signature to closing
# brace), the style rule of docs/architecture.md. Reads the sources as clang-format lays them
# out: a function body opens with a line ending in "{" and closes with "}" at the indentation
# the opening line has; lambdas and blocks count as part of their function.
# Run: cmake -DSOURCE_DIR=<repo> -P tests/function_length_check.cmake
cmake_policy(SET CMP0007 NEW) # blank lines are lines
set(max_lines 80)
set(violations "")
file(GLOB_RECURSE sources RELATIVE "${SOURCE_DIR}"
    "${SOURCE_DIR}/core/*.h" "${SOURCE_DIR}/core/*.cpp" "${SOURCE_DIR}/ui/*.h"
    "${SOURCE_DIR}/ui/*.cpp" "${SOURCE_DIR}/app/*.h" "${SOURCE_DIR}/app/*.cpp")

foreach(file IN LISTS sources)
    file(READ "${SOURCE_DIR}/${file}" text)
    # One list element per line: semicolons and brackets would otherwise split or join them.
    string(REPLACE ";" "<semicolon>" text "${text}")
    string(REPLACE "[" "<open>" text "${text}")
    string(REPLACE "]" "<close>" text "${text}")
    string(REPLACE "\\" "<backslash>" text "${text}")
    string(REPLACE "\n" ";" lines "${text}")
    list(LENGTH lines count)
    set(i 0)
    while(i LESS count)
        list(GET lines ${i} line)
        set(opens FALSE)
        if(line MATCHES "^( *)(.*)\\{[ \t]*$")
            set(indent "${CMAKE_MATCH_1}")
            set(before "${CMAKE_MATCH_2}")
            string(LENGTH "${indent}" width)
            math(EXPR previous "${i} - 1")
            set(previous_line "")
            if(i GREATER 0)
                list(GET lines ${previous} previous_line)
            endif()
            if(width LESS_EQUAL 12
               AND NOT line MATCHES "^ *(namespace|struct|class|enum|extern|union)( |$)"
               AND (before MATCHES "[()]" OR previous_line MATCHES "\\)"))
                string(REGEX REPLACE "\\(.*" "" head "${before}")
                if(NOT head MATCHES "=")
                    set(opens TRUE)
                endif()
            endif()
        endif()
        if(NOT opens)
            math(EXPR i "${i} + 1")
            continue()
        endif()
        # The signature's first line: back over the lines that continue it.
        set(first ${i})
        while(first GREATER 0)
            math(EXPR above "${first} - 1")
            list(GET lines ${above} above_line)
            string(STRIP "${above_line}" stripped)
            if(stripped STREQUAL "" OR stripped MATCHES "(<semicolon>|\\}|\\{)$"
               OR stripped MATCHES "^(//|#)")
                break()
            endif()
            set(first ${above})
        endwhile()
        # The closing brace at the opening line's indentation.
        math(EXPR last "${i} + 1")
        while(last LESS count)
            list(GET lines ${last} closing)
            if(closing MATCHES "^${indent}\\}")
                break()
            endif()
            math(EXPR last "${last} + 1")
        endwhile()
        math(EXPR length "${last} - ${first} + 1")
        if(length GREATER max_lines)
            list(GET lines ${first} signature)
            string(STRIP "${signature}" signature)
            string(REPLACE "<semicolon>" ";" signature "${signature}")
            math(EXPR line_number "${first} + 1")
            string(APPEND violations
                "\n  ${file}:${line_number}: ${length} lines, more than ${max_lines}: ${signature}")
        endif()
        math(EXPR i "${last} + 1")
    endwhile()
endforeach()

if(violations)
    message(FATAL_ERROR "Functions too long (split them into functions of one step each):${violations}")
endif()
list(LENGTH sources files)
message(STATUS "No function over ${max_lines} lines in ${files} files")
