#!/usr/bin/env bash
# Installs the Debian packages the platform needs on this machine (as root; once): containerd, runc and the CNI
# plugins for the node, iptables and conntrack for kube-proxy, socat for the port bridges, buildah and
# busybox-static for the images, util-linux for unshare/nsenter, debootstrap for the sklearn runtime's rootfs. Does nothing when all are there.
set -euo pipefail
need=()
for pair in containerd:containerd runc:runc /usr/lib/cni/bridge:containernetworking-plugins iptables:iptables \
  conntrack:conntrack socat:socat buildah:buildah /bin/busybox:busybox-static nsenter:util-linux patch:patch \
  debootstrap:debootstrap; do
  probe=${pair%%:*} package=${pair#*:}
  if [[ $probe == /* ]]; then [[ -e $probe ]] || need+=("$package"); else command -v "$probe" >/dev/null 2>&1 || need+=("$package"); fi
done
if [[ ${#need[@]} -eq 0 ]]; then
  echo "platform host packages already installed" >&2
  exit 0
fi
[[ $(id -u) -eq 0 ]] || { echo "test/platform/setup-host.sh: installing ${need[*]} needs root" >&2; exit 1; }
echo "installing ${need[*]} (Debian packages)" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2
apt-get install -y -qq --no-install-recommends "${need[@]}" >&2
