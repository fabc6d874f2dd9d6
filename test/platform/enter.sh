#!/usr/bin/env bash
# Runs a command of the platform inside its cgroup and its namespaces:
#   enter.sh CGROUP HOLDER_PID COMMAND [ARGS...]
# CGROUP is a path under each cgroup v1 hierarchy (made by node-cgroups.ts); HOLDER_PID is the process that holds
# the platform's network and mount namespaces (namespace-holder.sh). HOLDER_PID 0: the cgroup only, on this
# machine's own namespaces (the host side of a port bridge).
set -euo pipefail
cgroup=$1 holder=$2
shift 2
for hierarchy in /sys/fs/cgroup/*/; do
  [ -f "$hierarchy$cgroup/cgroup.procs" ] && echo $$ >"$hierarchy$cgroup/cgroup.procs"
done
if [ "$holder" = 0 ]; then exec "$@"; fi
exec nsenter --target "$holder" --net --mount -- "$@"
