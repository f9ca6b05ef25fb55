rp_add_fuzzer(NAME fuzz_vf_state SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/fuzz_vf_state.c LIBS rp_vf
  CORPUS ${CMAKE_CURRENT_SOURCE_DIR}/corpus/fuzz_vf_state)
