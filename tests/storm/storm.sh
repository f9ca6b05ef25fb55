#!/usr/bin/env bash
# SIGKILL storm against the real plugin binary on a simulated 8-rail node (root).
#
# Many `railpool` processes ADD (then DEL) pods concurrently and are SIGKILLed at random points
# — before the store is touched, with leases RESERVED, with rails half-created in the pod, after
# some rails committed.  Then the runtime does what containerd/CRI-O do after a failed or
# interrupted call (DEL, retried), and the test checks from outside (`ip -j`, `railpoolctl`):
#   - every DEL exits 0; no rail is left in any pod and no macvlan in the node namespace;
#   - the store holds no lease and `railpoolctl fsck` finds it clean;
#   - a fresh ADD of every pod then succeeds, no address is handed to two pods, and DEL
#     releases everything again.
# Env: RP_BIN_DIR, RP_SOURCE_DIR (set by ctest), RP_STORM_PODS (default 24),
#      RP_STORM_ROUNDS (default 3).
set -uo pipefail

if [ "$(id -u)" -ne 0 ]; then
	echo "SKIP: test_storm needs root (network namespaces, macvlan)"
	exit 77
fi
bin=${RP_BIN_DIR:?RP_BIN_DIR unset}
src=${RP_SOURCE_DIR:?RP_SOURCE_DIR unset}
stormkill=${RP_STORMKILL:?RP_STORMKILL unset (the stormkill launcher built with the tests)}
pods=${RP_STORM_PODS:-24}
rounds=${RP_STORM_ROUNDS:-3}
for t in jq ip; do
	command -v $t >/dev/null || { echo "FAIL: $t is not installed (scripts/deps.sh installs it)"; exit 1; }
done

P=rps$$
P=${P:0:10}
mkdir -p /run/railpool
state=/run/railpool/storm-$P.shm
conf=$(mktemp /tmp/"$P".XXXXXX.conf)
export RAILPOOL_NODE=node1
passed=0
failed=0

ctl() { "$bin/railpoolctl" --state "$state" --node node1 "$@"; }
ok() { passed=$((passed + 1)); echo "ok: $*"; }
bad() { failed=$((failed + 1)); echo "FAIL: $*"; }
check() { # check DESCRIPTION COMMAND...
	local what=$1
	shift
	if "$@"; then ok "$what"; else bad "$what"; fi
}

cleanup() {
	for i in $(seq 1 "$pods"); do ip netns del "${P}p$i" 2>/dev/null; done
	ctl sim down --netns --prefix "$P" >/dev/null 2>&1
	rm -f "$state" "$conf"
}
trap cleanup EXIT

# One CNI call exactly as a runtime makes it, optionally behind a launcher (stormkill ARGS).
exec_cni() { # exec_cni CMD POD [LAUNCHER ARGS...]
	local c=$1 pod=$2
	shift 2
	"$@" ip netns exec "${P}node" env CNI_COMMAND="$c" CNI_CONTAINERID="storm-$P-$pod" \
		CNI_NETNS="/run/netns/${P}$pod" CNI_IFNAME=net1 CNI_PATH="$bin" RAILPOOL_STATE="$state" \
		"$bin/railpool" <"$conf"
}

leases() { ctl get leases -o json | jq 'if type == "array" then length else (.leases | length) end'; }
rails_in() { ip -n "${P}$1" -o link 2>/dev/null | grep -c ' net[0-9]' || true; }
node_macvlans() { ip -n "${P}node" -d -o link show type macvlan 2>/dev/null | wc -l; }

# Start every pod's CALL at once, each SIGKILLed after a random 0..MAX_US us (0: never).
# Prints how many were killed.
storm() { # storm CMD MAX_US
	local cmd=$1 max=$2 i
	for i in $(seq 1 "$pods"); do
		if [ "$max" -gt 0 ]; then
			exec_cni "$cmd" "p$i" "$stormkill" "$max" "$RANDOM" >/dev/null &
		else
			exec_cni "$cmd" "p$i" >/dev/null &
		fi
	done 2>/tmp/"$P".storm
	wait
	[ "$max" -gt 0 ] && echo "   $(grep -c killed /tmp/"$P".storm) of $pods ${cmd}s SIGKILLed, $(grep -c exited /tmp/"$P".storm) exited first"
	rm -f /tmp/"$P".storm
}

# The runtime's recovery: DEL every pod until it succeeds (a concurrent DEL may say "try again").
del_all() {
	local i try rc fails=0
	for i in $(seq 1 "$pods"); do
		for try in 1 2 3; do
			(exec_cni DEL "p$i" >/tmp/"$P".del.out 2>&1)
			rc=$?
			[ $rc -eq 0 ] && break
		done
		if [ $rc -ne 0 ]; then
			fails=$((fails + 1))
			echo "DEL p$i failed (rc $rc): $(cat /tmp/"$P".del.out)"
		fi
	done
	rm -f /tmp/"$P".del.out
	[ $fails -eq 0 ]
}

nothing_left() { # nothing_left WHEN
	local i left=0
	for i in $(seq 1 "$pods"); do left=$((left + $(rails_in "p$i"))); done
	check "$1: no rail left in any pod ($left)" [ "$left" -eq 0 ]
	check "$1: no macvlan left in the node namespace" [ "$(node_macvlans)" -eq 0 ]
	check "$1: no lease left in the store ($(leases))" [ "$(leases)" -eq 0 ]
	check "$1: railpoolctl fsck finds the store clean" ctl fsck
}

echo "== simulated node $P: 8 NICs, $pods pods, $rounds rounds"
ctl sim up --netns --prefix "$P" --mtu 1500 >/dev/null || { echo "FAIL: sim up"; exit 1; }
ctl apply -f "$src"/tests/data/macvlan-8rail/gpu{1,2,3,4,5,6,7,8}.yaml \
	-f "$src"/tests/data/macvlan-8rail/rdma-shared-config.json >/dev/null 2>&1 ||
	{ echo "FAIL: apply"; exit 1; }
ctl conflist gpu{1,2,3,4,5,6,7,8}-macvlan | jq '.plugins[0] + {name: .name, cniVersion: .cniVersion}' >"$conf"
for i in $(seq 1 "$pods"); do
	ip netns add "${P}p$i" && ip -n "${P}p$i" link set lo up
done

# Calibrate: how long all pods' concurrent ADD and DEL take here (machine, build, load), so the
# kills land anywhere from before the first netlink message to after the last commit.
t0=$(date +%s%N)
storm ADD 0
t1=$(date +%s%N)
check "calibration: all $pods pods attached ($(leases) leases)" [ "$(leases)" -eq $((pods * 16)) ]
storm DEL 0
t2=$(date +%s%N)
nothing_left "calibration"
add_us=$(((t1 - t0) / 1000))
del_us=$(((t2 - t1) / 1000))
echo "   concurrent ADD of $pods pods: ${add_us} us, DEL: ${del_us} us"

for r in $(seq 1 "$rounds"); do
	echo "== round $r: ADD storm, SIGKILL within 0..${add_us} us"
	storm ADD "$add_us"
	left=0
	for i in $(seq 1 "$pods"); do left=$((left + $(rails_in "p$i"))); done
	echo "   the storm left $(leases) leases ($(ctl get leases -o json | jq -c '[(if type == "array" then . else .leases end)[] | .state] | group_by(.) | map({(.[0]): length}) | add // {}')) and $left rails in pods"
	check "round $r: DEL after the ADD storm succeeds for every pod" del_all
	nothing_left "round $r (ADD storm)"

	echo "== round $r: every pod ADDed, then a DEL storm within 0..${del_us} us"
	storm ADD 0
	held=$(leases)
	# 8 address leases + 8 shared-RDMA user slots per pod
	check "round $r: all $pods pods attached after the storm ($held leases)" [ "$held" -eq $((pods * 16)) ]
	dup=$(ctl get leases -o json | jq -r '(if type == "array" then . else .leases end)[] | .ip // empty' | grep -E '^[0-9a-f.:]+$' | sort | uniq -d | wc -l)
	check "round $r: no address held twice" [ "$dup" -eq 0 ]
	storm DEL "$del_us"
	check "round $r: DEL after the DEL storm succeeds for every pod" del_all
	nothing_left "round $r (DEL storm)"
done

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
