# CNI protocol parsers (core/cni): environment + network config.
rp_add_fuzzer(NAME fuzz_cniconf SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/fuzz_cniconf.c LIBS rp_core
  CORPUS ${CMAKE_CURRENT_SOURCE_DIR}/corpus/fuzz_cniconf)
