# One CMake library per layer, and the rule that keeps them layered.
#
#   shipwatch_layer(NAME [DEPENDS layer...] [PUBLIC_LIBS lib...] [PRIVATE_LIBS lib...]
#                   [SOURCES extra...])
#
# builds the static library NAME from every .cpp under the folder NAME/, links the layers it
# DEPENDS on (publicly: a layer's headers name its dependencies' types) and the third-party
# libraries it uses, and records the layer for check_layers.cmake, which fails the configure
# step (and the ctest `layering`) when a file includes a layer its target does not link.
define_property(GLOBAL PROPERTY SHIPWATCH_LAYERS BRIEF_DOCS "layer targets" FULL_DOCS "layer targets")

function(shipwatch_layer name)
  cmake_parse_arguments(L "" "" "DEPENDS;PUBLIC_LIBS;PRIVATE_LIBS;SOURCES" ${ARGN})
  file(GLOB_RECURSE sources CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/${name}/*.cpp)
  add_library(${name} STATIC ${sources} ${L_SOURCES})
  target_include_directories(${name} PUBLIC ${CMAKE_SOURCE_DIR})
  target_link_libraries(${name} PUBLIC ${L_DEPENDS} ${L_PUBLIC_LIBS} PRIVATE ${L_PRIVATE_LIBS})
  target_compile_options(${name} PRIVATE ${SHIPWATCH_WARNINGS})
  set_property(GLOBAL APPEND PROPERTY SHIPWATCH_LAYERS ${name})
  set_property(GLOBAL PROPERTY SHIPWATCH_LAYER_DEPENDS_${name} "${L_DEPENDS}")
endfunction()

# `out`: `layer` and every layer it uses, directly or through another, breadth first.
function(shipwatch_layer_closure layer out)
  set(closure ${layer})
  set(queue ${layer})
  while(queue)
    list(POP_FRONT queue current)
    get_property(deps GLOBAL PROPERTY SHIPWATCH_LAYER_DEPENDS_${current})
    foreach(d IN LISTS deps)
      if(NOT d IN_LIST closure)
        list(APPEND closure ${d})
        list(APPEND queue ${d})
      endif()
    endforeach()
  endwhile()
  set(${out} ${closure} PARENT_SCOPE)
endfunction()

# Every layer with the layers it may include (itself and what it links, transitively), written
# as `layer: allowed...` lines for check_layers.cmake.
function(shipwatch_write_layer_table file)
  get_property(layers GLOBAL PROPERTY SHIPWATCH_LAYERS)
  set(text "")
  foreach(layer IN LISTS layers)
    shipwatch_layer_closure(${layer} allowed)
    list(JOIN allowed " " allowed_text)
    string(APPEND text "${layer}: ${allowed_text}\n")
  endforeach()
  file(WRITE ${file} "${text}")
endfunction()

# Fails the configure step when one of `layers` links, directly or through the layers it uses,
# one of the `forbidden` targets or libraries: the production layers never link the simulator.
function(shipwatch_forbid_links)
  cmake_parse_arguments(F "" "" "LAYERS;FORBIDDEN" ${ARGN})
  foreach(layer IN LISTS F_LAYERS)
    shipwatch_layer_closure(${layer} used)
    foreach(current IN LISTS used)
      get_target_property(links ${current} LINK_LIBRARIES)
      foreach(item IN LISTS links)
        if(item IN_LIST F_FORBIDDEN)
          message(FATAL_ERROR "layering: ${layer} links ${item} (through ${current}); only demo/, the tests and the benches may")
        endif()
      endforeach()
    endforeach()
  endforeach()
endfunction()
