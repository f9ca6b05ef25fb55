# Pool selection with wildcards and matchMasterSubnet over 128 / 1,000 / 4,000 pools (issue 6):
# build/bin/bench_select; figures go to PERFORMANCE.md.
if(RP_BENCH)
  find_package(benchmark REQUIRED)
  add_executable(bench_select ${CMAKE_CURRENT_SOURCE_DIR}/select.cc)
  target_link_libraries(bench_select PRIVATE rp_core benchmark::benchmark Threads::Threads)
endif()
