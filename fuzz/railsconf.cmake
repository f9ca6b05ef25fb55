# The rails-mode CNI config (core/railsconf): parse, print, re-parse.
rp_add_fuzzer(NAME fuzz_railsconf SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/fuzz_railsconf.c LIBS rp_core
  CORPUS ${CMAKE_CURRENT_SOURCE_DIR}/corpus/fuzz_railsconf)
