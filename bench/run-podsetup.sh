#!/usr/bin/env bash
# Pod setup benchmark (issue 6), as recorded in PERFORMANCE.md: the production build (default
# RelWithDebInfo, static plugin) of the plugin, railpoolctl and bench_podsetup only, then the run
# with the machine's load beside it.
#   bash bench/run-podsetup.sh [bench_podsetup options, e.g. -p 1000 -c 1,2 -m burst,churn -o json]
# Env: BUILD (default build), CMAKE_ARGS (e.g. -DRP_JEMALLOC=ON).  Root: network namespaces.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${BUILD:-build}
if [ "$(id -u)" -ne 0 ]; then
	echo "run-podsetup: needs root (network namespaces, macvlan, a root-owned store)" >&2
	exit 1
fi
# shellcheck disable=SC2086
cmake -S . -B "$build" ${CMAKE_ARGS:-} >"$build.configure.log" 2>&1 ||
	{ cat "$build.configure.log"; exit 1; }
cmake --build "$build" -j "$(nproc)" --target railpool railpoolctl bench_podsetup >"$build.log" 2>&1 ||
	{ tail -40 "$build.log"; exit 1; }
echo "# $(date -u +%FT%TZ) $(uname -r) $(nproc) CPUs; load before: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
echo "# $build/bin/bench_podsetup $*" >&2
rc=0
"$build/bin/bench_podsetup" "$@" || rc=$?
echo "# load after: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
exit "$rc"
