# netlink/ reply parsers; seeds are real kernel replies (RTM_NEWLINK/NEWADDR/NEWROUTE/NEWRULE).
rp_add_fuzzer(NAME fuzz_nl_parse SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/fuzz_nl_parse.c LIBS rp_netlink
  CORPUS ${CMAKE_CURRENT_SOURCE_DIR}/corpus/fuzz_nl_parse)
