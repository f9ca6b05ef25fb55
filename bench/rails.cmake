# 8-rail attach/detach on a simulated node (issue 4; root): build/bin/bench_rails.
if(RP_BENCH)
  find_package(benchmark REQUIRED)
  add_executable(bench_rails ${CMAKE_CURRENT_SOURCE_DIR}/rails.cc)
  target_link_libraries(bench_rails PRIVATE rp_testutil rp_core rp_sim rp_netlink benchmark::benchmark Threads::Threads)
endif()
