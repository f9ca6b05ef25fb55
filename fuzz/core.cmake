# core/ parsers (issue 3): manifests, addresses, resource injection.
foreach(f fuzz_yaml fuzz_addr fuzz_inject)
  rp_add_fuzzer(NAME ${f} SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/${f}.c LIBS rp_core
                CORPUS ${CMAKE_CURRENT_SOURCE_DIR}/corpus/${f})
endforeach()
