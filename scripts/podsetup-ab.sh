#!/usr/bin/env bash
# A/B of two plugin builds on the same simulated node, alternating, so both see the same machine:
#   scripts/podsetup-ab.sh ROUNDS PODS BUILD_DIR_A BUILD_DIR_B [...]
# Each round runs, for every build dir in turn, `bench_podsetup -p PODS -r 8 -c 1 -m churn
# --no-ref` with that dir's bin/railpool and bin/railpoolctl (bench_podsetup itself comes from
# $RP_BENCH, default build/bin/bench_podsetup) and prints one line: the load average, the exec
# floor, ADD p50/p99 and ADD CPU p50.  Compare the medians over rounds: one round is noise here.
# Finer, for two builds: `bench_podsetup --alt PATH` alternates them pod by pod within one run.
set -euo pipefail
[ $# -ge 4 ] || { sed -n '2,7p' "$0" >&2; exit 2; }
rounds=$1 pods=$2
shift 2
bench=${RP_BENCH:-$(dirname "$0")/../build/bin/bench_podsetup}
for ((r = 1; r <= rounds; r++)); do
	for b in "$@"; do
		line=$("$bench" -p "$pods" -r 8 -c 1 -m churn --no-ref --railpool "$b/bin/railpool" \
			--railpoolctl "$b/bin/railpoolctl" 2>&1 | grep '^summary:')
		add=$(sed -E 's/.*railpool (ADD p50 [0-9.]+ ms p99 [0-9.]+ ms).*/\1/' <<<"$line")
		cpu=$(sed -E 's/.*CPU p50 (ADD [0-9.]+ ms).*\(floor ([0-9.]+)\).*/CPU \1, floor CPU \2 ms/' <<<"$line")
		printf 'round %d %-24s load %s  %s  %s\n' "$r" "$(basename "$b")" "$(cut -d' ' -f1 /proc/loadavg)" \
			"$add" "$cpu"
	done
done
