#!/usr/bin/env bash
# Install every Debian package railpool builds, tests, benchmarks and demos with.
# Idempotent and quiet when everything is present.
set -euo pipefail

pkgs=(build-essential cmake pkg-config clang libclang-rt-14-dev
      liburcu-dev libnl-3-dev libnl-route-3-dev libnl-genl-3-dev
      libibverbs-dev rdma-core ibverbs-providers libjemalloc-dev libxxhash-dev
      libbenchmark-dev libcmocka-dev libjansson-dev libyaml-dev
      iproute2 containernetworking-plugins jq hyperfine procps)
# Real runtimes for the runtime tests (skipped with a message when they cannot run here).
pkgs+=(podman runc containerd busybox-static)

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
	exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "deps: missing packages: ${missing[*]} — run as root or install them" >&2
	exit 1
fi
echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
