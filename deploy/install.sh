#!/usr/bin/env bash
# Install railpool on a node: the CNI plugin into the CNI bin dir, railpoolctl into PATH, and the
# store directory (tmpfs, root only).  Then load the node's manifests and write the rails config.
#
#   deploy/install.sh [--cni-bin /opt/cni/bin] [--cni-conf /etc/cni/net.d] [--node NAME] \
#                     [--networks gpu1-macvlan,...,gpu8-macvlan] MANIFEST...
#
# Idempotent: re-running replaces the binaries atomically and re-applies the manifests (apply is
# all-or-nothing: a bad manifest changes nothing on the node).
set -euo pipefail
cd "$(dirname "$0")/.."

cni_bin=/opt/cni/bin
cni_conf=/etc/cni/net.d
node=$(hostname)
networks=""
manifests=()
while [ $# -gt 0 ]; do
	case "$1" in
	--cni-bin) cni_bin=$2; shift 2 ;;
	--cni-conf) cni_conf=$2; shift 2 ;;
	--node) node=$2; shift 2 ;;
	--networks) networks=$2; shift 2 ;;
	-h|--help) sed -n '2,10p' "$0"; exit 0 ;;
	*) manifests+=("$1"); shift ;;
	esac
done
[ "$(id -u)" -eq 0 ] || { echo "install: run as root" >&2; exit 1; }
[ -x build/bin/railpool ] || { cmake -S . -B build >/dev/null && cmake --build build -j "$(nproc)" --target railpool railpoolctl >/dev/null; }

install -d -m 0755 "$cni_bin" "$cni_conf"
install -d -m 0700 /run/railpool
# atomic replace: a runtime may exec the plugin at any moment
install -m 0755 build/bin/railpool "$cni_bin/.railpool.new" && mv -f "$cni_bin/.railpool.new" "$cni_bin/railpool"
install -m 0755 build/bin/railpoolctl /usr/local/bin/railpoolctl

if [ ${#manifests[@]} -gt 0 ]; then
	args=()
	for m in "${manifests[@]}"; do args+=(-f "$m"); done
	railpoolctl --node "$node" apply "${args[@]}"
fi
if [ -n "$networks" ]; then
	IFS=, read -r -a nets <<<"$networks"
	railpoolctl conflist "${nets[@]}" >"$cni_conf/.railpool.conflist.new"
	mv -f "$cni_conf/.railpool.conflist.new" "$cni_conf/10-railpool.conflist"
	echo "install: wrote $cni_conf/10-railpool.conflist (rails: ${networks})"
fi
railpoolctl get pools
