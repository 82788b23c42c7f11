# Installing caltrace (docs/OPERATIONS.md, "Install"): `cmake --install` puts the programs,
# their manual pages and the systemd unit in the usual places; `cpack -G DEB` builds the
# Debian package, whose maintainer scripts make the caltrace user and /var/lib/caltrace.
include(GNUInstallDirs)
# Installing (and cpack) takes what the build made: it does not rebuild and re-check every target.
set(CMAKE_SKIP_INSTALL_ALL_DEPENDENCY ON)
# Whoever builds the package for a city names themselves here.
set(CT_PACKAGE_MAINTAINER "caltrace maintainers <maintainers@caltrace.invalid>" CACHE STRING
  "Maintainer field of the Debian package")

# Manual pages: written by hand in docs/man, the version filled in, compressed as Debian wants
# (gzip -9n: no name or time stamp, so the package builds the same twice).
find_program(CT_GZIP gzip REQUIRED)
set(VERSION ${PROJECT_VERSION})
set(ct_man_out)
foreach(page caltrace.1 caltraced.8)
  configure_file(${PROJECT_SOURCE_DIR}/docs/man/${page} ${CMAKE_BINARY_DIR}/man/${page} @ONLY)
  add_custom_command(OUTPUT ${CMAKE_BINARY_DIR}/man/${page}.gz
    COMMAND ${CT_GZIP} -9nc ${CMAKE_BINARY_DIR}/man/${page} > ${CMAKE_BINARY_DIR}/man/${page}.gz
    DEPENDS ${CMAKE_BINARY_DIR}/man/${page}
    VERBATIM)
  list(APPEND ct_man_out ${CMAKE_BINARY_DIR}/man/${page}.gz)
endforeach()
configure_file(${PROJECT_SOURCE_DIR}/packaging/changelog ${CMAKE_BINARY_DIR}/packaging/changelog @ONLY)
add_custom_command(OUTPUT ${CMAKE_BINARY_DIR}/packaging/changelog.gz
  COMMAND ${CT_GZIP} -9nc ${CMAKE_BINARY_DIR}/packaging/changelog > ${CMAKE_BINARY_DIR}/packaging/changelog.gz
  DEPENDS ${CMAKE_BINARY_DIR}/packaging/changelog
  VERBATIM)
add_custom_target(ct_install_files ALL DEPENDS ${ct_man_out} ${CMAKE_BINARY_DIR}/packaging/changelog.gz)


install(TARGETS caltrace DESTINATION ${CMAKE_INSTALL_BINDIR})
install(TARGETS caltraced DESTINATION ${CMAKE_INSTALL_SBINDIR})
# A stripped install (cpack, `cmake --install --strip`) also drops .comment, the compiler
# version strings of the C runtime's start files, as Debian's dh_strip does.
install(CODE "
  if(CMAKE_INSTALL_DO_STRIP)
    foreach(f \"${CMAKE_INSTALL_BINDIR}/caltrace\" \"${CMAKE_INSTALL_SBINDIR}/caltraced\")
      execute_process(COMMAND \"${CMAKE_OBJCOPY}\" --remove-section=.comment
        \"\$ENV{DESTDIR}\${CMAKE_INSTALL_PREFIX}/\${f}\" RESULT_VARIABLE rc)
      if(NOT rc EQUAL 0)
        message(FATAL_ERROR \"objcopy --remove-section=.comment \${f} failed\")
      endif()
    endforeach()
  endif()
")
install(FILES ${CMAKE_BINARY_DIR}/man/caltrace.1.gz DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
install(FILES ${CMAKE_BINARY_DIR}/man/caltraced.8.gz DESTINATION ${CMAKE_INSTALL_MANDIR}/man8)
# The unit names the daemon where it is installed, so it is made at install time, when the prefix
# is known (cpack installs under /usr whatever the build's prefix). Its place: /lib/systemd/system
# for /usr (Debian 12's place for packaged units), <prefix>/lib/systemd/system otherwise, which
# systemd reads too (/usr/local/lib/systemd/system).
install(CODE "
  set(CT_SBINDIR \"\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_SBINDIR}\")
  configure_file(\"${PROJECT_SOURCE_DIR}/packaging/caltraced.service.in\"
    \"${CMAKE_BINARY_DIR}/packaging/unit/caltraced.service\" @ONLY)
  if(CMAKE_INSTALL_PREFIX STREQUAL \"/usr\")
    set(ct_unit_dir /lib/systemd/system)
  else()
    set(ct_unit_dir \"\${CMAKE_INSTALL_PREFIX}/lib/systemd/system\")
  endif()
  file(INSTALL DESTINATION \"\${ct_unit_dir}\" TYPE FILE FILES \"${CMAKE_BINARY_DIR}/packaging/unit/caltraced.service\")
")
install(FILES ${PROJECT_SOURCE_DIR}/packaging/copyright ${CMAKE_BINARY_DIR}/packaging/changelog.gz
  DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(FILES ${PROJECT_SOURCE_DIR}/docs/OPERATIONS.md DESTINATION ${CMAKE_INSTALL_DOCDIR})

set(CPACK_PACKAGE_NAME caltrace)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "${CT_PACKAGE_MAINTAINER}")
set(CPACK_STRIP_FILES ON)
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "signed, replicated ledger of calibration events (node and tool)")
set(CPACK_PACKAGE_DESCRIPTION "A city's calibration labs each run a caltrace node, which keeps
its own feed of signed calibration events and replicates every other lab's.
From the shared ledger anyone can prove that a measuring instrument is
traceable to the city's highest standard. This package holds the node
(caltraced, run by systemd as user caltrace in /var/lib/caltrace) and the
command-line tool (caltrace).")
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION science)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "adduser")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
  ${PROJECT_SOURCE_DIR}/packaging/postinst ${PROJECT_SOURCE_DIR}/packaging/prerm ${PROJECT_SOURCE_DIR}/packaging/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
include(CPack)
