#!/usr/bin/env bash
# The platform's own network and mount namespaces, made by `unshare --net --mount --propagation private` and
# held open by this process until it is killed (see node-namespaces.ts). Everything of the platform enters
# them with enter.sh. Inside, and only inside:
# - a veth pair carrying the node's address (both ends here: nothing connects to this machine's network),
#   a default route on it so that Service IPs have a route, and IP forwarding for the pods;
# - a fresh /run (containerd's pod network namespaces, iptables' lock), a private /var/log (kubelet's pod log
#   links), and the kernel settings kubelet insists on as plain files bound over /proc/sys, so that kubelet
#   never changes this machine's kernel.
# Usage: namespace-holder.sh STATE_DIR NODE_IP PREFIX
set -euo pipefail
state=$1 node_ip=$2 prefix=$3

ip link set lo up
ip link add mg-node type veth peer name mg-peer
ip addr add "$node_ip/$prefix" dev mg-node
ip link set mg-peer up
ip link set mg-node up
ip route add default dev mg-node
sysctl -qw net.ipv4.ip_forward=1
[ -e /proc/sys/net/bridge/bridge-nf-call-iptables ] && sysctl -qw net.bridge.bridge-nf-call-iptables=1

mount -t tmpfs -o mode=755 modelgate-run /run
mkdir -p /run/netns /run/lock "$state/var-log"
mount --bind "$state/var-log" /var/log

# kubelet sets these kernel-wide settings at start unless they already hold these values.
mkdir -p "$state/sysctl"
while read -r key value; do
  file="$state/sysctl/$key"
  echo "$value" >"$file"
  mount --bind "$file" "/proc/sys/${key//.//}"
done <<'SETTINGS'
vm.overcommit_memory 1
vm.panic_on_oom 0
kernel.panic 10
kernel.panic_on_oops 1
kernel.keys.root_maxkeys 1000000
kernel.keys.root_maxbytes 25000000
SETTINGS

echo ready >"$state/namespaces.ready"
exec sleep infinity
