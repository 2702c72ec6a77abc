# mlp_area(NAME DEPS area... [PUBLIC lib...] [PRIVATE lib...])
#
# Adds the static library mlp_NAME from src/NAME/*.cpp. Its public headers are include/mlp/NAME/;
# they are offered to other targets through a staging folder that holds only that area
# (build/area-include/NAME/mlp/NAME -> include/mlp/NAME), so a target sees the headers of exactly
# the areas it links, directly or through their dependencies. Appends to MLP_AREA_TARGETS.
function(mlp_area name)
  cmake_parse_arguments(PARSE_ARGV 1 A "" "" "DEPS;PUBLIC;PRIVATE")
  set(stage ${PROJECT_BINARY_DIR}/area-include/${name})
  file(MAKE_DIRECTORY ${stage}/mlp)
  if(NOT EXISTS ${stage}/mlp/${name})
    file(CREATE_LINK ${PROJECT_SOURCE_DIR}/include/mlp/${name} ${stage}/mlp/${name} SYMBOLIC)
  endif()
  file(GLOB sources CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/src/${name}/*.cpp
                                      ${PROJECT_SOURCE_DIR}/src/${name}/*/*.cpp)
  add_library(mlp_${name} STATIC ${sources})
  add_library(mlp::${name} ALIAS mlp_${name})
  set_target_properties(mlp_${name} PROPERTIES EXPORT_NAME ${name} POSITION_INDEPENDENT_CODE ON)
  target_include_directories(mlp_${name} PUBLIC
    $<BUILD_INTERFACE:${stage}>
    $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
  target_compile_features(mlp_${name} PUBLIC cxx_std_20)
  set(deps)
  foreach(d IN LISTS A_DEPS)
    list(APPEND deps mlp_${d})
  endforeach()
  target_link_libraries(mlp_${name} PUBLIC ${deps} ${A_PUBLIC}
    PRIVATE ${A_PRIVATE} $<BUILD_INTERFACE:mlp_warnings>)
  set(MLP_AREA_TARGETS ${MLP_AREA_TARGETS} mlp_${name} PARENT_SCOPE)
endfunction()
