#!/usr/bin/env bash
# Builds the pinned control-plane binaries the cluster suites run (kube-apiserver, kubectl, etcd)
# from the Go modules in test/cluster/go/ into a cache dir outside the repo:
#   ${MODELGATE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/modelgate}/k8s-v1.34.3/bin/
# Does nothing when all three are already there. Prints the bin dir as its last line of stdout.
# Cold: 7-10 min on 2 busy cores (module downloads plus compilation); warm: instant.
set -euo pipefail

K8S_VERSION=v1.34.3
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cache="${MODELGATE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/modelgate}"
bin="$cache/k8s-$K8S_VERSION/bin"
start=$(date +%s.%N)

elapsed() { awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN { printf "%.1f", e - s }'; }
fail() { echo "test/cluster/build.sh: $*" >&2; exit 1; }

if [[ -x "$bin/kube-apiserver" && -x "$bin/kubectl" && -x "$bin/etcd" ]]; then
  echo "cluster binaries already built in $bin (checked in $(elapsed)s)" >&2
  echo "$bin"
  exit 0
fi

command -v go >/dev/null 2>&1 || fail "Go is not on PATH: Go >= 1.25 is needed to build kube-apiserver, kubectl and etcd"

mkdir -p "$cache/k8s-$K8S_VERSION" || fail "cannot create cache dir $cache/k8s-$K8S_VERSION"
# Build into a scratch dir and move into place at the end: an interrupted build never leaves a
# partial binary that a later run would take as done.
tmp="$(mktemp -d "$cache/k8s-$K8S_VERSION/build.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT

# -mod=readonly: build exactly what go.mod/go.sum pin, never rewrite them.
export GOFLAGS="${GOFLAGS:-} -mod=readonly"
ldflags="-s -w"
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  ldflags+=" -X $pkg.gitVersion=$K8S_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=34 -X $pkg.gitTreeState=clean"
done

echo "building kube-apiserver, kubectl ($K8S_VERSION) and etcd into $bin (first run only: 7-10 min on 2 cores)..." >&2
(cd "$here/go/kube" && go build -trimpath -ldflags="$ldflags" -o "$tmp/" \
  k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kubectl) >&2 \
  || fail "building kube-apiserver/kubectl failed (module test/cluster/go/kube, $(go version 2>&1))"
(cd "$here/go/etcd" && go build -trimpath -ldflags="-s -w" -o "$tmp/etcd" go.etcd.io/etcd/server/v3) >&2 \
  || fail "building etcd failed (module test/cluster/go/etcd, $(go version 2>&1))"

for b in kube-apiserver kubectl etcd; do
  [[ -x "$tmp/$b" ]] || fail "build finished but $tmp/$b is missing"
done
mkdir -p "$bin"
mv -f "$tmp/kube-apiserver" "$tmp/kubectl" "$tmp/etcd" "$bin/"
echo "built cluster binaries in $(elapsed)s into $bin" >&2
echo "$bin"
