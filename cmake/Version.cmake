# What `portwatch --version` says (src/app/version.h): the project version, the git commit
# built (read on every build by cmake/BuildInfo.cmake, so a new commit needs no reconfigure)
# and the optional parts. Declare an optional part where CMake decides it:
#   portwatch_feature(<name> <variable>)      e.g. portwatch_feature(bpf PORTWATCH_HAVE_BPF)
# --version then prints "+<name>" when the variable is true, "-<name>" when not.
set(PORTWATCH_BUILD_INFO_CPP ${CMAKE_BINARY_DIR}/generated/build_info.cpp)
add_custom_target(portwatch_build_info
  COMMAND ${CMAKE_COMMAND} -DSOURCE_DIR=${PROJECT_SOURCE_DIR} -DOUTPUT=${PORTWATCH_BUILD_INFO_CPP}
          -DVERSION=${PROJECT_VERSION}
          "-DFEATURES=$<JOIN:$<TARGET_PROPERTY:portwatch_build_info,PORTWATCH_FEATURES>,,>"
          -P ${PROJECT_SOURCE_DIR}/cmake/BuildInfo.cmake
  BYPRODUCTS ${PORTWATCH_BUILD_INFO_CPP}
  VERBATIM)

function(portwatch_feature name variable)
  if(${variable})
    set(on ON)
  else()
    set(on OFF)
  endif()
  set_property(TARGET portwatch_build_info APPEND PROPERTY PORTWATCH_FEATURES "${name}=${on}")
endfunction()

# Where the build writes the man pages and completions generated from the CLI (src/app).
set(PORTWATCH_CLI_DOCS_DIR ${CMAKE_BINARY_DIR}/cli-docs)
