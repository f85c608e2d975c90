# The layering rule, checked: a file in a layer's folder may include headers of that layer and of
# the layers its target links (directly or through another layer), and third-party headers only
# where the table below puts them. Run by the configure step and by the ctest `layering`:
#   cmake -DSOURCE_DIR=<repo> -DTABLE=<build>/layers.txt -P cmake/check_layers.cmake
cmake_minimum_required(VERSION 3.25)
if(NOT SOURCE_DIR OR NOT TABLE)
  message(FATAL_ERROR "check_layers.cmake needs -DSOURCE_DIR and -DTABLE")
endif()

# Third-party headers that belong to one layer each (a prefix of the included path).
set(OWNED_HEADERS
  "curl/=http"
  "httplib.h=sim server"
  "prometheus/=server"
  "toml++/=config"
  "curses.h=tui" "ncurses.h=tui" "ncursesw/=tui" "term.h=tui"
  "pugixml.hpp=sources sim"
  "spdlog/=base"
  "openssl/=base sim server"
  "boost/=app")

file(STRINGS ${TABLE} rows)
set(layers "")
foreach(row IN LISTS rows)
  string(REGEX MATCH "^([a-z_]+): (.*)$" _ "${row}")
  list(APPEND layers ${CMAKE_MATCH_1})
  string(REPLACE " " ";" allowed_${CMAKE_MATCH_1} "${CMAKE_MATCH_2}")
endforeach()

set(violations "")
foreach(layer IN LISTS layers)
  file(GLOB_RECURSE files ${SOURCE_DIR}/${layer}/*.cpp ${SOURCE_DIR}/${layer}/*.hpp)
  foreach(f IN LISTS files)
    file(STRINGS ${f} includes REGEX "^[ \t]*#[ \t]*include[ \t]*[<\"]")
    file(RELATIVE_PATH rel ${SOURCE_DIR} ${f})
    foreach(line IN LISTS includes)
      string(REGEX MATCH "[<\"]([^>\"]+)[>\"]" _ "${line}")
      set(path ${CMAKE_MATCH_1})
      string(REGEX MATCH "^([a-z_]+)/" _ "${path}")
      set(top ${CMAKE_MATCH_1})
      if(top AND top IN_LIST layers)
        if(NOT top IN_LIST allowed_${layer})
          string(APPEND violations "  ${rel}: includes ${path}, but layer '${layer}' does not link '${top}'\n")
        endif()
        continue()
      endif()
      foreach(owned IN LISTS OWNED_HEADERS)
        string(REGEX MATCH "^([^=]+)=(.*)$" _ "${owned}")
        set(prefix ${CMAKE_MATCH_1})
        string(REPLACE " " ";" owners "${CMAKE_MATCH_2}")
        string(FIND "${path}" "${prefix}" at)
        if(at EQUAL 0 AND NOT layer IN_LIST owners)
          string(APPEND violations "  ${rel}: includes <${path}>, which only ${CMAKE_MATCH_2} may use\n")
        endif()
      endforeach()
    endforeach()
  endforeach()
endforeach()

if(violations)
  message(FATAL_ERROR "layering: these includes cross the layers (ARCHITECTURE.md):\n${violations}")
endif()
