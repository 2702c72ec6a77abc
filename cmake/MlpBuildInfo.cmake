# Build facts for a run's reproducibility manifest (src/config/manifest.cpp, docs/cli.md
# "Reproducing a run"): the source commit and whether the tree had uncommitted changes, read with
# git when CMake configures (so a commit made afterwards shows only after the next configure), the
# compiler and the flags the library is compiled with. Written to
# <build>/generated/mlp_build_info.hpp, included by mlp_config only.
set(MLP_GIT_COMMIT "unknown")
set(MLP_GIT_DIRTY "unknown")
find_package(Git QUIET)
if(GIT_FOUND)
  execute_process(COMMAND ${GIT_EXECUTABLE} rev-parse HEAD WORKING_DIRECTORY ${PROJECT_SOURCE_DIR}
    OUTPUT_VARIABLE mlp_commit OUTPUT_STRIP_TRAILING_WHITESPACE RESULT_VARIABLE mlp_git_rc ERROR_QUIET)
  if(mlp_git_rc EQUAL 0 AND mlp_commit MATCHES "^[0-9a-f]+$")
    set(MLP_GIT_COMMIT "${mlp_commit}")
    # Tracked files changed since the commit (untracked files are not looked at: cheap).
    execute_process(COMMAND ${GIT_EXECUTABLE} status --porcelain --untracked-files=no
      WORKING_DIRECTORY ${PROJECT_SOURCE_DIR} OUTPUT_VARIABLE mlp_status RESULT_VARIABLE mlp_git_rc ERROR_QUIET)
    if(mlp_git_rc EQUAL 0)
      if(mlp_status STREQUAL "")
        set(MLP_GIT_DIRTY "false")
      else()
        set(MLP_GIT_DIRTY "true")
      endif()
    endif()
  endif()
endif()
string(TOUPPER "${CMAKE_BUILD_TYPE}" mlp_build_type_upper)
get_directory_property(mlp_dir_options DIRECTORY ${PROJECT_SOURCE_DIR} COMPILE_OPTIONS)
string(JOIN " " MLP_CXX_FLAGS ${CMAKE_CXX_FLAGS} ${CMAKE_CXX_FLAGS_${mlp_build_type_upper}} ${mlp_dir_options})
string(STRIP "${MLP_CXX_FLAGS}" MLP_CXX_FLAGS)
string(REPLACE "\\" "\\\\" MLP_CXX_FLAGS "${MLP_CXX_FLAGS}")
string(REPLACE "\"" "\\\"" MLP_CXX_FLAGS "${MLP_CXX_FLAGS}")
configure_file(${PROJECT_SOURCE_DIR}/cmake/mlp_build_info.hpp.in
  ${PROJECT_BINARY_DIR}/generated/mlp_build_info.hpp @ONLY)
target_include_directories(mlp_config PRIVATE ${PROJECT_BINARY_DIR}/generated)
