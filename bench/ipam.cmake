# IPAM ADD+DEL as whole processes, railpool vs host-local (issue 3): build/bin/bench_ipam_exec.
# Run as root from a Release build: build-rel/bin/bench_ipam_exec --iters 400 --clients 8 --held 0,1000
# Plain C (no Google Benchmark): the cost measured is fork/exec + the plugin, per operation.
add_executable(bench_ipam_exec ${CMAKE_CURRENT_SOURCE_DIR}/ipam_exec.c)
target_link_libraries(bench_ipam_exec PRIVATE rp_testutil_store rp_testutil rp_core Threads::Threads)
add_dependencies(bench_ipam_exec railpool)
