#!/usr/bin/env bash
# The main job, on a simulated 8-rail GPU node (needs root: network namespaces, macvlan):
#   build; create the node (NICs enp11s0f0np0..enp18s0f0np0 as in the macvlan seed, each with a
#   fabric peer holding its rail's gateway 172.16.1N.254); apply the seed-style manifests (8
#   SpiderIPPools + 8 SpiderMultusConfigs + the rdma shared device plugin config); attach a few
#   pods with ONE CNI ADD each (rails mode, as a runtime calls the plugin); show one pod's
#   interfaces, rules and routes; detach everything and check nothing is left; tear down.
set -euo pipefail
cd "$(dirname "$0")/.."
top=$PWD
pods=${RP_DEMO_PODS:-3}

bash scripts/deps.sh
if [ "$(id -u)" -ne 0 ]; then
	echo "demo: needs root (it creates network namespaces and macvlan interfaces)" >&2
	exit 1
fi
echo "== build"
cmake -S . -B build >build.configure.log 2>&1 || { cat build.configure.log; exit 1; }
cmake --build build -j "$(nproc)" --target railpool railpoolctl >build.log 2>&1 || { tail -40 build.log; exit 1; }
bin=$top/build/bin

P=rpdemo$$
P=${P:0:10}
state=/run/railpool/demo-$P.shm
export RAILPOOL_NODE=node1
ctl() { "$bin/railpoolctl" --state "$state" --node node1 "$@"; }
innode() { ip netns exec "${P}node" "$@"; }

cleanup() {
	set +e
	for i in $(seq 1 "$pods"); do ip netns del "${P}pod$i" 2>/dev/null; done
	ctl sim down --netns --prefix "$P" >/dev/null 2>&1
	rm -f "$state" /tmp/"$P".conf
}
trap cleanup EXIT

echo "== simulated node: 8 NICs in netns ${P}node, gateways in ${P}fab"
ctl sim up --netns --prefix "$P" --mtu 1500
innode ip -br link show | grep -v '^lo'

echo "== apply the seed-style manifests (macvlan + shared RDMA, 8 rails)"
ctl apply -f tests/data/macvlan-8rail/gpu{1,2,3,4,5,6,7,8}.yaml -f tests/data/macvlan-8rail/rdma-shared-config.json 2>/dev/null
ctl get pools
ctl get networks 2>/dev/null || true
ctl get resources 2>/dev/null || true

# What a runtime hands the plugin: one plugin object of the conflist, with name and cniVersion.
ctl conflist gpu{1,2,3,4,5,6,7,8}-macvlan |
	jq '.plugins[0] + {name: .name, cniVersion: .cniVersion}' >/tmp/"$P".conf

cni() { # cni CMD POD
	innode env CNI_COMMAND="$1" CNI_CONTAINERID="demo-$2" CNI_NETNS="/run/netns/${P}$2" CNI_IFNAME=net1 \
		CNI_PATH="$bin" RAILPOOL_STATE="$state" "$bin/railpool" </tmp/"$P".conf
}

echo "== attach $pods pods (one CNI ADD each gives all 8 rails)"
for i in $(seq 1 "$pods"); do
	ip netns add "${P}pod$i"
	ip -n "${P}pod$i" link set lo up
	# eth0 stands in for the cluster CNI (calico): its default route must stay untouched
	ip link add "${P}e$i" netns "${P}node" type veth peer name eth0 netns "${P}pod$i"
	ip -n "${P}node" link set "${P}e$i" up
	ip -n "${P}pod$i" addr add "10.233.119.$((163 + i))/24" dev eth0
	ip -n "${P}pod$i" link set eth0 up
	ip -n "${P}pod$i" route add default via 10.233.119.1 dev eth0
	start=$(date +%s%N)
	out=$(cni ADD "pod$i")
	end=$(date +%s%N)
	echo "pod$i: $(echo "$out" | jq -r '[.ips[].address] | join(" ")')  ($(( (end - start) / 1000 )) us wall, incl. ip netns exec)"
done

echo
echo "== pod1: ip a"
ip -n "${P}pod1" addr
echo "== pod1: ip rule"
ip -n "${P}pod1" rule
echo "== pod1: ip route show table main"
ip -n "${P}pod1" route show table main
echo "== pod1: ip route show table 100 (net1's table)"
ip -n "${P}pod1" route show table 100
echo "== pod1: ip route show table 107 (net8's table)"
ip -n "${P}pod1" route show table 107
echo "== leases"
ctl get leases
echo "== CNI CHECK pod1"
cni CHECK pod1 && echo "CHECK ok"

echo "== detach every pod"
for i in $(seq 1 "$pods"); do
	cni DEL "pod$i"
	left=$(ip -n "${P}pod$i" -o link | grep -c ' net[0-9]' || true)
	echo "pod$i: DEL ok, rails left in the pod: $left"
done
ctl get pools
held=$(ctl get leases -o json | jq 'if type == "array" then length else (.leases | length) end')
echo "leases held after DEL: $held"
[ "$held" -eq 0 ] || { echo "demo: leases leaked" >&2; exit 1; }
echo "== tear down"
