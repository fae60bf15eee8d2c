# Installation layout and the Debian package (CPack DEB). ./scripts/package.sh builds what is
# installed and runs cpack: build/package/portwatch_<version>-<release>_<arch>.deb.
#
#   /usr/bin/portwatch                                 the binary (eBPF programs embedded)
#   /usr/lib/<arch>/portwatch/portwatch-http.so        the exporter's HTTP server (a module
#                                                      only `portwatch exporter` loads)
#   /usr/share/man/man1/portwatch*.1.gz                generated from the CLI (src/app/cli_docs.h)
#   /usr/share/bash-completion/completions/portwatch   bash, zsh and fish completions, same source
#   /usr/share/zsh/vendor-completions/_portwatch
#   /usr/share/fish/vendor_completions.d/portwatch.fish
#   /usr/lib/systemd/system/*.service                  deploy/systemd/*.service, not enabled
#   /usr/share/doc/portwatch/                          README, user docs, prometheus/ kit,
#                                                      copyright, changelog(.Debian).gz
include(GNUInstallDirs)

# `cmake --install` and cpack install what was built; they do not build everything first
# (tests and benchmarks are not part of the package). scripts/package.sh builds the targets.
set(CMAKE_SKIP_INSTALL_ALL_DEPENDENCY ON)

set(PORTWATCH_DEB_RELEASE 1 CACHE STRING "Debian revision of the package (portwatch_<version>-<this>)")
set(PORTWATCH_MAINTAINER "portwatch maintainers <portwatch@example.org>"
    CACHE STRING "Maintainer field of the Debian package")
# The date of this version's Debian changelog entry (RFC 2822), kept fixed so that two builds
# of one commit give the same package.
set(PORTWATCH_RELEASE_DATE "Wed, 02 Dec 2026 12:00:00 +0000")
set(PORTWATCH_DEB_VERSION ${PROJECT_VERSION}-${PORTWATCH_DEB_RELEASE})
set(PORTWATCH_SYSTEMD_UNIT_DIR lib/systemd/system CACHE STRING
    "Where the systemd units go, relative to the install prefix")
set(docdir ${CMAKE_INSTALL_DATADIR}/doc/portwatch)
set(docs ${PORTWATCH_CLI_DOCS_DIR})

install(DIRECTORY ${docs}/man/ DESTINATION ${CMAKE_INSTALL_MANDIR}/man1
        FILES_MATCHING PATTERN "*.1.gz")
install(FILES ${docs}/completion/portwatch.bash
        DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions RENAME portwatch)
install(FILES ${docs}/completion/_portwatch DESTINATION ${CMAKE_INSTALL_DATADIR}/zsh/vendor-completions)
install(FILES ${docs}/completion/portwatch.fish
        DESTINATION ${CMAKE_INSTALL_DATADIR}/fish/vendor_completions.d)

# Whatever units and Prometheus kit exist (the monitor and exporter bring them); the units are
# installed only: `systemctl enable --now <unit>` is the administrator's choice.
file(GLOB PORTWATCH_UNITS CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/deploy/systemd/*.service)
install(FILES ${PORTWATCH_UNITS} DESTINATION ${PORTWATCH_SYSTEMD_UNIT_DIR})
if(EXISTS ${PROJECT_SOURCE_DIR}/deploy/prometheus)
  install(DIRECTORY ${PROJECT_SOURCE_DIR}/deploy/prometheus/ DESTINATION ${docdir}/prometheus)
endif()

install(FILES README.md docs/cli.md docs/diagnose.md docs/analyze.md docs/architecture.md
              packaging/copyright
        DESTINATION ${docdir})

# changelog.gz (CHANGELOG.md) and changelog.Debian.gz, compressed as Debian policy asks
# (gzip -9n: no name or time stamp, so the package is reproducible).
set(pkgfiles ${CMAKE_BINARY_DIR}/package-files)
configure_file(packaging/changelog.Debian.in ${pkgfiles}/changelog.Debian @ONLY)
add_custom_command(
  OUTPUT ${pkgfiles}/changelog.gz ${pkgfiles}/changelog.Debian.gz
  COMMAND sh -c "gzip -9nc '${PROJECT_SOURCE_DIR}/CHANGELOG.md' > changelog.gz"
  COMMAND sh -c "gzip -9nc changelog.Debian > changelog.Debian.gz"
  DEPENDS ${PROJECT_SOURCE_DIR}/CHANGELOG.md ${pkgfiles}/changelog.Debian
  WORKING_DIRECTORY ${pkgfiles}
  VERBATIM)
add_custom_target(portwatch_package_files ALL
                  DEPENDS ${pkgfiles}/changelog.gz ${pkgfiles}/changelog.Debian.gz)
install(FILES ${pkgfiles}/changelog.gz ${pkgfiles}/changelog.Debian.gz DESTINATION ${docdir})

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME portwatch)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT ${PORTWATCH_MAINTAINER})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "find and explain ephemeral port exhaustion")
# The extended description (the synopsis is CPACK_PACKAGE_DESCRIPTION_SUMMARY).
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
    "portwatch shows every TCP/UDP socket with its owning processes, faster than
ss -tanp, and models the kernel's port allocation rules to say which port pool
is running dry, which process drains it (TIME_WAIT churn, CLOSE_WAIT leaks,
hoarding, dead backends) and what to do. It diagnoses the live host, every
network namespace (container), or saved captures of Windows netstat -anob, ss,
netstat and PowerShell, and exits like a Nagios plugin.")
set(CPACK_DEBIAN_PACKAGE_RELEASE ${PORTWATCH_DEB_RELEASE})
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# Runtime dependencies from what the binary links (dpkg-shlibdeps, from dpkg-dev).
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# `ip netns list` names namespaces for --netns completion and the README's examples.
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "iproute2")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "bash-completion")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
# prerm: unloads the eBPF owner program that runs of portwatch pinned.
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA ${CMAKE_SOURCE_DIR}/packaging/prerm)
include(CPack)
