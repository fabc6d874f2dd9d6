#!/usr/bin/env bash
# Builds everything the platform suite runs, once, into a cache outside the repo:
#   ${MODELGATE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/modelgate}/platform-<key>/
#     bin/     the node's own binaries (kubelet, kube-proxy, ... from test/cluster/go/kube) and each
#              component's static binary (Knative Serving, Eventing, net-gateway-api, Traefik, CoreDNS,
#              KServe, the sandbox "pause" program)
#     images/  one OCI image archive per component, named dev.local/platform/<name>:<tag>
# Sources come from the Go module proxy at the versions pinned below, each built as its own main module
# (its own go.mod, go.sum and replace lines), in a scratch copy under the cache. Nothing is pulled from an
# image registry. A piece already built is skipped; an interrupted build never leaves a partial binary.
# Prints the platform dir as its last line of stdout. Cold: about 27 min on 2 cores (Traefik alone about 10).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
# shellcheck source=versions.sh
source "$here/versions.sh"
cache="${MODELGATE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/modelgate}"
out="$cache/platform-$PLATFORM_KEY"
bin="$out/bin"
images="$out/images"
work="$out/src"
start=$(date +%s)

say() { printf '[platform build %ss] %s\n' "$(($(date +%s) - start))" "$*" >&2; }
fail() { printf 'test/platform/build.sh: %s\n' "$*" >&2; exit 1; }

for tool in go buildah patch; do
  command -v "$tool" >/dev/null 2>&1 || fail "$tool is not on PATH (run test/platform/setup-host.sh: it installs the Debian packages)"
done
mkdir -p "$bin" "$images" "$work"
export GOFLAGS="-mod=mod" CGO_ENABLED=0 GOTOOLCHAIN=local
modcache="$(go env GOMODCACHE)"

# The source of module $1 at version $2, downloaded by the Go module proxy; prints its (read-only) dir.
module_dir() {
  local dir
  dir=$(go mod download -json "$1@$2" 2>/dev/null | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')
  [[ -n "$dir" && -d "$dir" ]] || fail "the Go module proxy did not serve $1@$2"
  echo "$dir"
}

# A writable copy of module $1@$2 in the work dir (so that it can be patched), prints its dir.
module_copy() {
  local src dst
  src=$(module_dir "$1" "$2")
  dst="$work/$(basename "$1")@$2"
  if [[ ! -f "$dst/.copied" ]]; then
    rm -rf "$dst"
    cp -r "$src" "$dst"
    chmod -R u+w "$dst"
    touch "$dst/.copied"
  fi
  echo "$dst"
}

# build NAME DIR PKG [go build flags...]: builds package PKG of the main module in DIR into bin/NAME.
build() {
  local name=$1 dir=$2 pkg=$3
  shift 3
  [[ -x "$bin/$name" ]] && return 0
  say "building $name ($pkg)"
  (cd "$dir" && go build -trimpath -ldflags="-s -w" "$@" -o "$bin/.$name.tmp" "$pkg") \
    || fail "building $name from $pkg in $dir failed"
  mv -f "$bin/.$name.tmp" "$bin/$name"
}

# --- the node: Kubernetes binaries from the same pinned module as the cluster suites ---
say "Kubernetes $K8S_VERSION binaries"
k8s_bin=$(bash "$repo/test/cluster/build.sh" | tail -n 1)
ldflags="-s -w"
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  ldflags+=" -X $pkg.gitVersion=$K8S_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=34 -X $pkg.gitTreeState=clean"
done
for cmd in kube-apiserver kubectl etcd; do ln -sf "$k8s_bin/$cmd" "$bin/$cmd"; done
for cmd in kubelet kube-proxy kube-scheduler kube-controller-manager; do
  [[ -x "$bin/$cmd" ]] && continue
  say "building $cmd"
  (cd "$repo/test/cluster/go/kube" && CGO_ENABLED=1 GOFLAGS=-mod=readonly \
    go build -trimpath -ldflags="$ldflags" -o "$bin/.$cmd.tmp" "k8s.io/kubernetes/cmd/$cmd") \
    || fail "building $cmd failed (module test/cluster/go/kube)"
  mv -f "$bin/.$cmd.tmp" "$bin/$cmd"
done

# --- the sandbox image's program ---
build pause "$here/go/pause" .

# --- Knative Serving, Eventing, net-gateway-api ---
serving=$(module_copy knative.dev/serving "$KNATIVE_SERVING_VERSION")
for cmd in controller webhook activator autoscaler queue; do build "serving-$cmd" "$serving" "./cmd/$cmd"; done

eventing=$(module_copy knative.dev/eventing "$KNATIVE_EVENTING_VERSION")
# Eventing's go.mod requires knative.dev/reconciler-test (its e2e tests only), which the checksum database
# does not know: an empty module in its place (no command imports it).
if ! grep -q '^replace knative.dev/reconciler-test' "$eventing/go.mod"; then
  mkdir -p "$eventing/.empty-reconciler-test"
  printf 'module knative.dev/reconciler-test\n\ngo 1.21\n' >"$eventing/.empty-reconciler-test/go.mod"
  (cd "$eventing" && go mod edit -replace knative.dev/reconciler-test=./.empty-reconciler-test)
fi
for cmd in controller webhook in_memory/channel_controller in_memory/channel_dispatcher broker/ingress broker/filter mtchannel_broker \
  event_display; do
  build "eventing-${cmd//\//-}" "$eventing" "./cmd/$cmd"
done

netgw=$(module_copy knative.dev/net-gateway-api "$NET_GATEWAY_API_VERSION")
for cmd in controller webhook; do build "net-gateway-api-$cmd" "$netgw" "./cmd/$cmd"; done

# --- Traefik, with the one change it needs to honour net-gateway-api's per-backend header filters ---
traefik=$(module_copy github.com/traefik/traefik/v3 "$TRAEFIK_VERSION")
if [[ ! -f "$traefik/.patched" ]]; then
  (cd "$traefik" && patch -p1 --forward <"$here/traefik-backend-filters.patch") || fail "the Traefik patch did not apply"
  touch "$traefik/.patched"
fi
build traefik "$traefik" ./cmd/traefik

# --- CoreDNS with only the plugins cluster DNS needs ---
coredns=$(module_copy github.com/coredns/coredns "$COREDNS_VERSION")
if [[ ! -f "$coredns/.generated" ]]; then
  printf '%s\n' errors:errors log:log health:health ready:ready kubernetes:kubernetes cache:cache \
    loadbalance:loadbalance >"$coredns/plugin.cfg"
  (cd "$coredns" && go run directives_generate.go) || fail "CoreDNS: generating the plugin list failed"
  touch "$coredns/.generated"
fi
build coredns "$coredns" .

# --- KServe controller ---
kserve=$(module_copy github.com/kserve/kserve "$KSERVE_VERSION")
build kserve-manager "$kserve" ./cmd/manager

# --- images: one static binary each, as non-root (65532) unless it must bind a low port ---
buildah_() { buildah --root "$out/buildah/root" --runroot "$out/buildah/run" --storage-driver vfs "$@"; }
mkdir -p "$out/rootfs-etc"
printf 'root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n' >"$out/rootfs-etc/passwd"
printf 'root:x:0:\nnonroot:x:65532:\n' >"$out/rootfs-etc/group"
image() {
  local name=$1 user=$2 archive="$images/$1.tar" ref="dev.local/platform/$1:$PLATFORM_KEY" ctr
  [[ -f "$archive" && "$archive" -nt "$bin/$name" ]] && return 0
  say "image $ref"
  ctr=$(buildah_ from scratch)
  buildah_ copy --quiet "$ctr" "$bin/$name" "/ko-app/$name" >/dev/null
  buildah_ copy --quiet "$ctr" "$out/rootfs-etc/" /etc/ >/dev/null
  buildah_ config --entrypoint "[\"/ko-app/$name\"]" --user "$user" --env KO_DATA_PATH=/var/run/ko "$ctr"
  buildah_ commit --quiet --rm "$ctr" "$ref" >/dev/null
  rm -f "$archive.tmp"
  buildah_ push --quiet "$ref" "oci-archive:$archive.tmp:$ref" || fail "writing $archive failed"
  buildah_ rmi "$ref" >/dev/null
  mv -f "$archive.tmp" "$archive"
}
for name in pause serving-controller serving-webhook serving-activator serving-autoscaler serving-queue \
  eventing-controller eventing-webhook eventing-in_memory-channel_controller eventing-in_memory-channel_dispatcher \
  eventing-broker-ingress eventing-broker-filter eventing-mtchannel_broker eventing-event_display net-gateway-api-controller \
  net-gateway-api-webhook traefik kserve-manager; do
  image "$name" 65532
done
image coredns 0

bash "$here/sklearn-runtime/build.sh" "$out"

say "done in $out"
echo "$out"
