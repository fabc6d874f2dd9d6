#!/usr/bin/env bash
# OCI image archives of the functions, built with buildah from the very Containerfiles users build
# (knative/images/<fn>.Containerfile), with no Docker daemon and no registry:
#   ./dev images                  models, predict, deploy, and for the platform suite hello (its cold-start
#                                 baseline) and sample-model (a model served by a Knative Service)
#   ./dev images predict hello    only these
#   ./dev images --force          rebuild even when nothing changed
# Writes dist/images/<name>.tar, one image each, named dev.local/modelgate/<name>:<version> in its index.json.
#
# No registry is reachable here, so `FROM docker.io/library/node:24-slim` resolves to a base image made locally,
# once, from the Node 24 that ./dev put on PATH: its `node` binary, the shared libraries `ldd` lists for it, a
# static busybox for the Containerfiles' RUN steps, root and node (1000:1000) users. It lives in a buildah
# storage of its own under ${MODELGATE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/modelgate}/images/buildah (vfs
# driver; the default /var/lib/containers storage is never used) and is rebuilt when the node binary changes.
# An image is rebuilt only when its inputs (Containerfile, the files it copies, the base) changed; a repeat run
# with nothing changed reuses the archives.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cache="${MODELGATE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/modelgate}/images"
out="$root/dist/images"
logs="$out/logs"
base_ref=docker.io/library/node:24-slim
# Change when the base image's recipe below changes: the stamp then no longer matches and the base is remade.
base_recipe=1
all_images=(models predict deploy hello sample-model)
# The busybox applets linked into the base: what the Containerfiles' RUN lines use (sh, mkdir, chown, test,
# ls), plus what a shell in the image is expected to have.
applets=(sh ash "[" test ls mkdir rmdir chown chgrp chmod cat cp mv rm ln touch stat du df env echo printf id
  whoami ps kill sleep true false head tail tee tr cut grep sed awk sort uniq wc find xargs tar gzip gunzip date
  uname hostname pwd basename dirname readlink realpath which timeout mktemp wget nc nslookup vi less)

step="start-up"
failed_reported=""
started=$EPOCHREALTIME

say() { printf '[images] %s\n' "$*" >&2; }
fail() {
  failed_reported=1
  printf 'scripts/images.sh: %s failed: %s\n' "$step" "$*" >&2
  exit 1
}
on_exit() {
  local rc=$?
  if [[ $rc -ne 0 && -z "$failed_reported" ]]; then
    printf 'scripts/images.sh: %s failed (exit %s)\n' "$step" "$rc" >&2
  fi
}
trap on_exit EXIT

# Seconds since $1 (an $EPOCHREALTIME), e.g. 12.3.
since() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }'; }
megabytes() { awk -v n="$1" 'BEGIN { printf "%.1f MB", n / 1e6 }'; }

# Every buildah call goes to the private storage.
buildah_() {
  buildah --root "$cache/buildah/root" --runroot "$cache/buildah/run" --storage-driver vfs "$@"
}

# run LOG CMD...: runs CMD with its output in LOG; on failure, shows the end of LOG and fails the step.
run() {
  local log=$1
  shift
  if ! "$@" >"$log" 2>&1; then
    tail -n 40 "$log" >&2
    fail "see ${log#"$root"/} (the end of it is above)"
  fi
}

usage() {
  sed -n '2,16s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"
}

# --- arguments ---
step="arguments"
force=""
wanted=()
for arg in "$@"; do
  case $arg in
    -h | --help) usage; exit 0 ;;
    -f | --force) force=1 ;;
    -*) fail "unknown option $arg (see --help)" ;;
    *)
      [[ " ${all_images[*]} " == *" $arg "* ]] || fail "unknown image '$arg' (known: ${all_images[*]})"
      [[ " ${wanted[*]} " == *" $arg "* ]] || wanted+=("$arg")
      ;;
  esac
done
[[ ${#wanted[@]} -gt 0 ]] || wanted=("${all_images[@]}")

# --- tools ---
step="checking tools"
command -v buildah >/dev/null 2>&1 || fail "buildah is not on PATH (Debian/Ubuntu: apt-get install buildah)"
command -v node >/dev/null 2>&1 || fail "node is not on PATH: run this as ./dev images"
for tool in ldd sha256sum awk tar; do command -v "$tool" >/dev/null 2>&1 || fail "$tool is not on PATH"; done
mkdir -p "$cache" "$out" "$logs"
if command -v flock >/dev/null 2>&1; then
  exec 9>"$cache/.lock"
  flock -n 9 || { say "another ./dev images is running; waiting for it"; flock 9; }
fi

# --- bundles ---
needs_bundles=""
needs_sample=""
for name in "${wanted[@]}"; do
  case $name in
  hello) ;;
  sample-model) needs_sample=1 ;;
  *) needs_bundles=1 ;;
  esac
done
if [[ -n "$needs_bundles" ]]; then
  step="bundle build (pnpm build)"
  command -v pnpm >/dev/null 2>&1 || fail "pnpm is not on PATH: run this as ./dev images"
  t=$EPOCHREALTIME
  run "$logs/bundles.log" pnpm --dir "$root" build
  say "bundles built in $(since "$t")s (functions/<fn>/dist/)"
fi
if [[ -n "$needs_sample" ]]; then
  step="sample model bundle (esbuild test/platform/sample-model/main.ts)"
  run "$logs/sample-model-bundle.log" pnpm --dir "$root" exec esbuild test/platform/sample-model/main.ts --bundle \
    --platform=node --format=esm --target=node24 --log-level=warning --outfile=test/platform/sample-model/dist/main.mjs
fi

# --- the base image ---
step="base image"
node_bin=$(readlink -f "$(node -p 'process.execPath')")
[[ "$(head -c 4 "$node_bin" | od -An -c | tr -d ' ')" == '177ELF' ]] || fail "$node_bin is not an ELF binary"
node_version=$("$node_bin" --version)
[[ $node_version == v24.* ]] || fail "the node on PATH is $node_version; the base image must be Node 24"

busybox_bin() {
  local candidate
  for candidate in /bin/busybox /usr/bin/busybox "$(command -v busybox 2>/dev/null || true)"; do
    [[ -n "$candidate" && -x "$candidate" ]] || continue
    # A static busybox: `ldd` says it is not a dynamic executable (and exits non-zero).
    if ! ldd "$candidate" >/dev/null 2>&1; then echo "$candidate"; return 0; fi
  done
  return 1
}
if ! busybox=$(busybox_bin); then
  command -v apt-get >/dev/null 2>&1 && [[ $(id -u) -eq 0 ]] ||
    fail "no static busybox found: install Debian's busybox-static package (apt-get install busybox-static)"
  say "installing busybox-static (a static /bin/busybox for the base image's shell)"
  run "$logs/busybox-static.log" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends busybox-static
  busybox=$(busybox_bin) || fail "busybox-static is installed but no static busybox was found"
fi

base_key="recipe=$base_recipe node=$node_version node-sha256=$(sha256sum "$node_bin" | cut -c1-64) busybox-sha256=$(sha256sum "$busybox" | cut -c1-64)"
base_stamp="$cache/base.stamp"

# The base's root filesystem, in dir $1: merged /usr (bin, sbin, lib, lib64 are links into usr/, as in Debian).
make_rootfs() {
  local fs=$1 lib dest applet
  mkdir -p "$fs"/usr/{bin,sbin,lib,lib64,local/bin} "$fs"/{etc,tmp,root,home/node}
  ln -s usr/bin "$fs/bin"
  ln -s usr/sbin "$fs/sbin"
  ln -s usr/lib "$fs/lib"
  ln -s usr/lib64 "$fs/lib64"
  cp "$node_bin" "$fs/usr/local/bin/node"
  # The libraries at the paths ldd lists (those paths resolve through the links above), and the loader.
  while read -r lib; do
    case $lib in
      /usr/*) dest="$fs$lib" ;;
      /lib/* | /lib64/* | /bin/* | /sbin/*) dest="$fs/usr$lib" ;;
      *) dest="$fs$lib" ;;
    esac
    mkdir -p "$(dirname "$dest")"
    cp -L "$lib" "$dest"
  done < <(ldd "$node_bin" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }')
  cp "$busybox" "$fs/usr/bin/busybox"
  for applet in "${applets[@]}"; do ln -s busybox "$fs/usr/bin/$applet"; done
  printf '%s\n' 'root:x:0:0:root:/root:/bin/sh' 'node:x:1000:1000::/home/node:/bin/sh' >"$fs/etc/passwd"
  printf '%s\n' 'root:x:0:' 'node:x:1000:' >"$fs/etc/group"
  printf '%s\n' 'passwd: files' 'group: files' 'hosts: files dns' >"$fs/etc/nsswitch.conf"
  chmod 1777 "$fs/tmp"
  chmod 700 "$fs/root"
  chown 1000:1000 "$fs/home/node"
}

if [[ "$(cat "$base_stamp" 2>/dev/null || true)" == "$base_key" ]] &&
  buildah_ inspect --type image "$base_ref" >/dev/null 2>&1; then
  say "base image $base_ref: reused (node $node_version)"
else
  t=$EPOCHREALTIME
  say "base image $base_ref: making it from node $node_version ($node_bin) and $busybox"
  rm -f "$base_stamp"
  # A new base invalidates every image built on it: start from an empty storage.
  buildah_ rm --all >/dev/null 2>&1 || true
  buildah_ rmi --all --force >/dev/null 2>&1 || true
  rootfs="$cache/rootfs"
  rm -rf "$rootfs"
  make_rootfs "$rootfs"
  ctr=$(buildah_ from scratch) || fail "buildah from scratch"
  mnt=$(buildah_ mount "$ctr") || fail "buildah mount"
  cp -a "$rootfs/." "$mnt/" || fail "copying the root filesystem into the container"
  buildah_ umount "$ctr" >/dev/null
  buildah_ config \
    --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    --env "NODE_VERSION=${node_version#v}" \
    --cmd '["node"]' \
    --label "org.opencontainers.image.description=Node $node_version, made locally by modelgate's scripts/images.sh (not the official node image)" \
    "$ctr" || fail "buildah config"
  run "$logs/base.log" buildah_ commit --rm "$ctr" "$base_ref"
  rm -rf "$rootfs"
  [[ "$(buildah_ run --isolation chroot "$(buildah_ from --pull=never "$base_ref")" -- node -p process.version 2>"$logs/base-check.log")" == "$node_version" ]] ||
    fail "node does not run in the new base image (see ${logs#"$root"/}/base-check.log)"
  buildah_ rm --all >/dev/null
  echo "$base_key" >"$base_stamp"
  say "base image made in $(since "$t")s"
fi
base_id=$(buildah_ inspect --type image --format '{{.FromImageID}}' "$base_ref")

# --- the images ---
# Prints the version of image $1: functions/<fn>/package.json's, or the root package.json's (0.1.0 if none).
version_of() {
  local manifest="$root/package.json"
  [[ $1 == hello || $1 == sample-model ]] || manifest="$root/functions/$1/package.json"
  node -p 'require(process.argv[1]).version ?? "0.1.0"' "$manifest"
}

# inputs_key NAME CONTAINERFILE CONTEXT PATHS...: one hash of everything image NAME is made from.
inputs_key() {
  local name=$1 containerfile=$2 context=$3
  shift 3
  {
    echo "$name base=$base_id"
    sha256sum "$containerfile" | cut -c1-64
    (cd "$context" && find "$@" -print0 | LC_ALL=C sort -z | xargs -0 stat -c '%n %a %F' &&
      find "$@" -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum)
  } | sha256sum | cut -c1-64
}

results=()
for name in "${wanted[@]}"; do
  if [[ $name == hello ]]; then
    containerfile="$root/test/platform/hello/Containerfile"
    context="$root/test/platform/hello"
    copied=(server.mjs)
  elif [[ $name == sample-model ]]; then
    containerfile="$root/test/platform/sample-model/Containerfile"
    context="$root/test/platform/sample-model"
    copied=(dist)
  else
    containerfile="$root/knative/images/$name.Containerfile"
    context="$root/functions/$name"
    copied=(dist)
  fi
  step="$name: inputs"
  [[ -f $containerfile ]] || fail "${containerfile#"$root"/} does not exist"
  for path in "${copied[@]}"; do [[ -e "$context/$path" ]] || fail "${context#"$root"/}/$path does not exist"; done
  version=$(version_of "$name")
  ref="dev.local/modelgate/$name:$version"
  archive="$out/$name.tar"
  key=$(inputs_key "$name $ref" "$containerfile" "$context" "${copied[@]}")
  t=$EPOCHREALTIME

  if [[ -z "$force" && -f "$archive" && "$(cat "$out/.$name.key" 2>/dev/null || true)" == "$key" ]]; then
    how="unchanged"
  else
    rm -f "$out/.$name.key"
    old_id=$(buildah_ inspect --type image --format '{{.FromImageID}}' "$ref" 2>/dev/null || true)
    step="$name: buildah build (${containerfile#"$root"/})"
    say "building $ref"
    run "$logs/$name.log" buildah_ build --pull=never --isolation chroot --layers=false \
      -f "$containerfile" -t "$ref" "$context"
    new_id=$(buildah_ inspect --type image --format '{{.FromImageID}}' "$ref")
    if [[ -n "$old_id" && "$old_id" != "$new_id" ]]; then buildah_ rmi "$old_id" >/dev/null 2>&1 || true; fi
    step="$name: buildah push (oci-archive:${archive#"$root"/})"
    rm -f "$archive.tmp"
    run "$logs/$name-push.log" buildah_ push --quiet "$ref" "oci-archive:$archive.tmp:$ref"
    mv -f "$archive.tmp" "$archive"
    echo "$key" >"$out/.$name.key"
    how="built in $(since "$t")s"
  fi
  results+=("$(printf '%-8s %-36s %-26s %10s  %s' "$name" "$ref" "${archive#"$root"/}" \
    "$(megabytes "$(stat -c %s "$archive")")" "$how")")
done

step="report"
printf '%s\n' "${results[@]}"
say "done in $(since "$started")s"
