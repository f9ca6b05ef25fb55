# Node-store allocation benchmark (issue 2): build/bin/bench_alloc; figures go to PERFORMANCE.md.
if(RP_BENCH)
  find_package(benchmark REQUIRED)
  add_executable(bench_alloc ${CMAKE_CURRENT_SOURCE_DIR}/alloc.cc)
  target_link_libraries(bench_alloc PRIVATE rp_shm benchmark::benchmark Threads::Threads)
endif()
