# The Windows build's libraries, all header-only and taken from the build machine's Debian
# packages (libfmt-dev, libcli11-dev, nlohmann-json3-dev). Their directories are linked into
# the build tree one by one, so that the cross compiler never sees the rest of /usr/include
# (glibc's headers). No SQLite, libbpf or ncurses: the Windows build has no layer using them.
set(PORTWATCH_WINDOWS_HEADERS ${CMAKE_BINARY_DIR}/windows-headers)
file(MAKE_DIRECTORY ${PORTWATCH_WINDOWS_HEADERS})
foreach(dir fmt CLI nlohmann)
  if(NOT IS_DIRECTORY /usr/include/${dir})
    message(FATAL_ERROR "portwatch: /usr/include/${dir} is missing; run scripts/setup.sh")
  endif()
  file(CREATE_LINK /usr/include/${dir} ${PORTWATCH_WINDOWS_HEADERS}/${dir} SYMBOLIC)
endforeach()

add_library(portwatch_windows_headers INTERFACE)
target_include_directories(portwatch_windows_headers SYSTEM INTERFACE ${PORTWATCH_WINDOWS_HEADERS})

add_library(fmt::fmt INTERFACE IMPORTED)
target_link_libraries(fmt::fmt INTERFACE portwatch_windows_headers)
target_compile_definitions(fmt::fmt INTERFACE FMT_HEADER_ONLY=1)
add_library(CLI11::CLI11 INTERFACE IMPORTED)
target_link_libraries(CLI11::CLI11 INTERFACE portwatch_windows_headers)
add_library(nlohmann_json::nlohmann_json INTERFACE IMPORTED)
target_link_libraries(nlohmann_json::nlohmann_json INTERFACE portwatch_windows_headers)
