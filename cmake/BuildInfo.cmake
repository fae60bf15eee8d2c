# Writes build_info.cpp (what `portwatch --version` says) at build time, so the commit is the
# one built, not the one configured. Run as a script on every build:
#   cmake -DSOURCE_DIR=... -DOUTPUT=... -DVERSION=0.1.0 -DFEATURES=bpf=ON,sqlite=OFF
#         -P cmake/BuildInfo.cmake
# The file is rewritten only when its text changes, so an unchanged build recompiles nothing.
# A source tree that is not the top of a git checkout (a release tarball, even one unpacked
# inside another repository) has no commit: --version then says "unknown".
set(PW_COMMIT "")
set(PW_MODIFIED false)
find_package(Git QUIET)
if(GIT_FOUND)
  execute_process(COMMAND ${GIT_EXECUTABLE} -C ${SOURCE_DIR} rev-parse --show-toplevel
                  OUTPUT_VARIABLE top OUTPUT_STRIP_TRAILING_WHITESPACE
                  RESULT_VARIABLE top_rc ERROR_QUIET)
  if(top_rc EQUAL 0)
    file(REAL_PATH "${top}" top)
    file(REAL_PATH "${SOURCE_DIR}" source)
  endif()
  if(top_rc EQUAL 0 AND top STREQUAL source)
    execute_process(COMMAND ${GIT_EXECUTABLE} -C ${SOURCE_DIR} rev-parse HEAD
                    OUTPUT_VARIABLE PW_COMMIT OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
    execute_process(COMMAND ${GIT_EXECUTABLE} -C ${SOURCE_DIR} status --porcelain
                            --untracked-files=no
                    OUTPUT_VARIABLE changes OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
    if(NOT changes STREQUAL "")
      set(PW_MODIFIED true)
    endif()
  endif()
endif()
if(NOT PW_COMMIT MATCHES "^[0-9a-f]+$")
  set(PW_COMMIT "")
endif()

set(PW_VERSION ${VERSION})
set(PW_FEATURE_LIST "")
set(PW_FEATURE_COUNT 0)
string(REPLACE "," ";" FEATURES "${FEATURES}")
foreach(feature ${FEATURES})
  string(REPLACE "=" ";" pair "${feature}")
  list(GET pair 0 name)
  list(GET pair 1 on)
  if(on)
    set(on true)
  else()
    set(on false)
  endif()
  if(PW_FEATURE_COUNT GREATER 0)
    string(APPEND PW_FEATURE_LIST ", ")
  endif()
  string(APPEND PW_FEATURE_LIST "Feature{\"${name}\", ${on}}")
  math(EXPR PW_FEATURE_COUNT "${PW_FEATURE_COUNT} + 1")
endforeach()

configure_file(${CMAKE_CURRENT_LIST_DIR}/build_info.cpp.in ${OUTPUT}.tmp @ONLY)
file(COPY_FILE ${OUTPUT}.tmp ${OUTPUT} ONLY_IF_DIFFERENT)
file(REMOVE ${OUTPUT}.tmp)
