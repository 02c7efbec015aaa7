# Fuzz targets (-DVISNYK_FUZZ=ON, clang only): fuzz/fuzz_<name>.c, one libFuzzer binary
# each, built with ASan + UBSan, the library instrumented for coverage.
#
#   CC=clang cmake -S . -B build/fuzz -DVISNYK_FUZZ=ON
#   cmake --build build/fuzz --target fuzz_all
#   (cd build/fuzz && ctest -L fuzz)        # replay corpora, then fuzz each briefly
#   scripts/fuzz.sh 300                     # every target 300 s, with figures
#
# Each CTest entry fuzz_<name> replays fuzz/corpus/<name>/ and fuzz/regressions/<name>/
# (every crash ever found, kept as a regression) and then fuzzes for
# VISNYK_FUZZ_CI_SECONDS; new inputs go to the build folder, never into the sources.
if(NOT CMAKE_C_COMPILER_ID MATCHES "Clang")
  message(FATAL_ERROR "VISNYK_FUZZ needs clang (libFuzzer): configure a separate build "
                      "folder with CC=clang, e.g. CC=clang cmake -S . -B build/fuzz -DVISNYK_FUZZ=ON")
endif()

set(VISNYK_FUZZ_CI_SECONDS 3 CACHE STRING "Seconds each fuzz target runs in ctest -L fuzz")
set(VISNYK_FUZZ_CI_RUNS 500000 CACHE STRING "Executions at most per fuzz target in ctest")

# UBSan findings must stop the run (libFuzzer then saves the input), as ASan ones do.
set(VISNYK_FUZZ_SANITIZERS -fsanitize=address,undefined -fno-sanitize-recover=undefined
                           -fno-omit-frame-pointer)
target_compile_options(visnyk_lib PRIVATE -fsanitize=fuzzer-no-link ${VISNYK_FUZZ_SANITIZERS}
                       # clang warns about libseccomp's SCMP_A0() macros (media/worker.c);
                       # gcc builds keep the warning for our own code
                       -Wno-missing-field-initializers)
# Anything else linked with the instrumented library (unit tests, the binary, when a
# whole build of this folder is asked for) needs the sanitizer runtimes too.
target_link_options(visnyk_lib INTERFACE -fsanitize=address,undefined)

file(GLOB VISNYK_FUZZ_SOURCES CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/fuzz/fuzz_*.c)
add_custom_target(fuzz_all)
foreach(src ${VISNYK_FUZZ_SOURCES})
  get_filename_component(target ${src} NAME_WE) # fuzz_markdown
  string(REGEX REPLACE "^fuzz_" "" name ${target}) # markdown
  add_executable(${target} ${src})
  target_include_directories(${target} PRIVATE ${CMAKE_SOURCE_DIR}/fuzz)
  target_compile_options(${target} PRIVATE -fsanitize=fuzzer ${VISNYK_FUZZ_SANITIZERS})
  target_link_options(${target} PRIVATE -fsanitize=fuzzer ${VISNYK_FUZZ_SANITIZERS})
  target_link_libraries(${target} PRIVATE visnyk_lib)
  add_dependencies(fuzz_all ${target})
  add_test(NAME ${target}
           COMMAND bash ${CMAKE_SOURCE_DIR}/scripts/fuzz.sh --ctest $<TARGET_FILE:${target}> ${name}
                   ${VISNYK_FUZZ_CI_SECONDS} ${VISNYK_FUZZ_CI_RUNS})
  set_tests_properties(${target} PROPERTIES
    LABELS fuzz
    ENVIRONMENT "VISNYK_SOURCE_DIR=${CMAKE_SOURCE_DIR};VISNYK_FUZZ_WORK=${CMAKE_BINARY_DIR}/fuzz-work"
    WORKING_DIRECTORY ${CMAKE_BINARY_DIR} TIMEOUT 180)
endforeach()
