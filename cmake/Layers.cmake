# Layers are enforced by include paths, not only drawn: `src/` itself is on no include path.
# portwatch_layer(<target> <folder>...) gives <target> a directory in the build tree holding a
# symbolic link per folder of src/ it owns (`layers/<target>/analyze -> src/analyze`), as a
# PUBLIC include directory. A library therefore sees its own headers and, through
# target_link_libraries, those of the layers it links; `#include "render/..."` in analyze/
# does not compile. tests/tools/check_layers.sh proves it on every build of the suite.
function(portwatch_layer target)
  set(view ${CMAKE_BINARY_DIR}/layers/${target})
  file(MAKE_DIRECTORY ${view})
  foreach(folder ${ARGN})
    file(CREATE_LINK ${PROJECT_SOURCE_DIR}/src/${folder} ${view}/${folder} SYMBOLIC)
  endforeach()
  target_include_directories(${target} PUBLIC ${view})
endfunction()
