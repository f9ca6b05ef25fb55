# The node store file parser: arbitrary bytes attached as a store, or a preset tiny store built by
# the current code with byte patches applied (seed corpus: build/tests/store_mkcorpus writes both).
rp_add_fuzzer(NAME fuzz_store
  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/fuzz_store.c ${CMAKE_SOURCE_DIR}/tests/store_mp/store_presets.c
  LIBS rp_shm CORPUS ${CMAKE_CURRENT_SOURCE_DIR}/corpus/fuzz_store)
