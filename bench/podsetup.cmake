# Pod network setup at scale (issue 6; root): real CNI ADD/DEL of build/bin/railpool, exec'd as a
# runtime does, on a simulated 8-NIC node, beside R sequential macvlan+host-local invocations per
# pod (the Multus-style reference).  Plain C: the cost measured is whole plugin processes.
#   build-rel/bin/bench_podsetup -p 1000 -c 1,2 [-m burst,churn] [-o json]
add_executable(bench_podsetup ${CMAKE_CURRENT_SOURCE_DIR}/podsetup.c)
target_compile_definitions(bench_podsetup PRIVATE RP_SRC_DIR="${CMAKE_SOURCE_DIR}")
target_link_libraries(bench_podsetup PRIVATE rp_testutil rp_sim rp_netlink PkgConfig::JANSSON Threads::Threads)
add_dependencies(bench_podsetup railpool railpoolctl)
