# Unit tests: tests/unit/<module>/test_<name>.c, one executable each.
# The PostgreSQL tests (test_*_pg.c) run under pg_virtualenv (postgresql-common), which
# starts a throwaway cluster; without it they fail and say what to install.
find_program(VISNYK_PG_VIRTUALENV pg_virtualenv)
if(NOT VISNYK_PG_VIRTUALENV)
  set(VISNYK_PG_VIRTUALENV sh -c "echo 'pg_virtualenv not found: apt-get install postgresql' >&2; exit 1" --)
endif()
file(GLOB_RECURSE VISNYK_UNIT_TESTS CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/tests/unit/*/test_*.c)
foreach(src ${VISNYK_UNIT_TESTS})
  get_filename_component(name ${src} NAME_WE)
  get_filename_component(dir ${src} DIRECTORY)
  get_filename_component(module ${dir} NAME)
  set(target unit_${module}_${name})
  add_executable(${target} ${src})
  target_include_directories(${target} PRIVATE ${CMAKE_SOURCE_DIR}/tests/unit)
  target_link_libraries(${target} PRIVATE visnyk_lib)
  if(name MATCHES "_pg$")
    # a throwaway PostgreSQL cluster for the test's lifetime (postgresql-common)
    # -t: the cluster's files and configuration in a temporary folder even as root (else
    # root's clusters are all /etc/postgresql/15/regress: a run killed half-way, or one in
    # another build tree, leaves it behind and the next refuses to start)
    add_test(NAME ${target} COMMAND ${VISNYK_PG_VIRTUALENV} -t ${CMAKE_BINARY_DIR}/${target})
    # and one at a time within a run: both would ask for the same default port
    set_tests_properties(${target} PROPERTIES RESOURCE_LOCK pg_virtualenv)
  else()
    add_test(NAME ${target} COMMAND ${target})
  endif()
  set_tests_properties(${target} PROPERTIES
    ENVIRONMENT "VISNYK_SOURCE_DIR=${CMAKE_SOURCE_DIR};VISNYK_BINARY_DIR=${CMAKE_BINARY_DIR}"
    WORKING_DIRECTORY ${CMAKE_BINARY_DIR} TIMEOUT 120)
endforeach()

# Integration tests: tests/integration/test_*.py drive a real `visnyk serve` over HTTP.
# Debian's python3 (it has the python3-* test packages .ci/run installs).
find_program(SYSTEM_PYTHON3 NAMES python3 PATHS /usr/bin NO_DEFAULT_PATH)
file(GLOB VISNYK_INTEGRATION_TESTS CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/tests/integration/test_*.py)
foreach(src ${VISNYK_INTEGRATION_TESTS})
  get_filename_component(name ${src} NAME_WE)
  # The package is a Release build whatever the build under test is: the sanitized
  # build has nothing of its own to install.
  if(VISNYK_SANITIZE AND name STREQUAL "test_package")
    continue()
  endif()
  add_test(NAME integration_${name} COMMAND ${SYSTEM_PYTHON3} ${src})
  set_tests_properties(integration_${name} PROPERTIES
    ENVIRONMENT "VISNYK_BIN=$<TARGET_FILE:visnyk>;VISNYK_SOURCE_DIR=${CMAKE_SOURCE_DIR};PYTHONDONTWRITEBYTECODE=1"
    WORKING_DIRECTORY ${CMAKE_BINARY_DIR} TIMEOUT 600)
endforeach()

# End-to-end tests: a real browser (Debian's chromium) driven by playwright-core from
# tests/e2e/node_modules, which scripts/test.sh installs with `npm ci`. Without node or
# without the package the test fails loudly rather than being skipped.
find_program(VISNYK_NODE NAMES node nodejs)
# axe-core and the Nu Html Checker judge the markup, which is the same whatever the build:
# the sanitized build's run drives the same pages and flows without them
# (tests/e2e/server.mjs, MARKUP_CHECKS).
if(VISNYK_SANITIZE)
  set(VISNYK_E2E_MARKUP off)
else()
  set(VISNYK_E2E_MARKUP on)
endif()
add_test(NAME e2e_admin
  COMMAND ${CMAKE_COMMAND} -E env VISNYK_BIN=$<TARGET_FILE:visnyk> VISNYK_SOURCE_DIR=${CMAKE_SOURCE_DIR}
          VISNYK_E2E_MARKUP=${VISNYK_E2E_MARKUP} ${VISNYK_NODE} ${CMAKE_SOURCE_DIR}/tests/e2e/run.mjs)
set_tests_properties(e2e_admin PROPERTIES WORKING_DIRECTORY ${CMAKE_SOURCE_DIR}/tests/e2e TIMEOUT 900)
# Every public page type at 320, 360 and 1280 px: no sideways scrolling, axe-core's WCAG
# A/AA rules, the Nu Html Checker (npm vnu-jar, run by Debian's default-jre-headless).
add_test(NAME e2e_reflow
  COMMAND ${CMAKE_COMMAND} -E env VISNYK_BIN=$<TARGET_FILE:visnyk> VISNYK_SOURCE_DIR=${CMAKE_SOURCE_DIR}
          VISNYK_E2E_MARKUP=${VISNYK_E2E_MARKUP} ${VISNYK_NODE} ${CMAKE_SOURCE_DIR}/tests/e2e/reflow.mjs)
set_tests_properties(e2e_reflow PROPERTIES WORKING_DIRECTORY ${CMAKE_SOURCE_DIR}/tests/e2e TIMEOUT 900)
# Every page of the editors' workspace, signed in as an admin, at 360 and 1280 px: no
# sideways scrolling and axe-core's WCAG A/AA rules (issue 12).
add_test(NAME e2e_workspace
  COMMAND ${CMAKE_COMMAND} -E env VISNYK_BIN=$<TARGET_FILE:visnyk> VISNYK_SOURCE_DIR=${CMAKE_SOURCE_DIR}
          VISNYK_E2E_MARKUP=${VISNYK_E2E_MARKUP} ${VISNYK_NODE} ${CMAKE_SOURCE_DIR}/tests/e2e/workspace.mjs)
set_tests_properties(e2e_workspace PROPERTIES WORKING_DIRECTORY ${CMAKE_SOURCE_DIR}/tests/e2e TIMEOUT 900)

# The longest tests first (ctest starts higher costs first on a fresh build tree, which has
# no timings of its own yet): with two jobs, a long test started last would leave the
# other core idle at the end. Seconds measured in CI, roughly.
set(VISNYK_LONG_TESTS integration_test_durability 200 e2e_reflow 150 e2e_workspace 120
    integration_test_package 100 integration_test_hostile 60 integration_test_export_static 60
    integration_test_alert_feed 50 integration_test_mail_outbox 45 integration_test_workflow_mail 45)
while(VISNYK_LONG_TESTS)
  list(POP_FRONT VISNYK_LONG_TESTS name cost)
  if(TEST ${name})
    set_tests_properties(${name} PROPERTIES COST ${cost})
  endif()
endwhile()
