#!/usr/bin/env bash
# Builds the platform suite's real model server and the models it serves, into OUT (the platform dir):
#   OUT/images/sklearn-runtime.tar   OCI image archive dev.local/platform/sklearn-runtime:1: a Debian
#                                    bookworm rootfs with kserve + scikit-learn in a venv and our
#                                    model_server.py, the container of KServe's sklearn ClusterServingRuntime
#   OUT/models/iris/v1/model.joblib  a depth-1 decision tree (a stump: it never predicts one of the 3 classes)
#   OUT/models/iris/v2/model.joblib  a depth-3 decision tree
#   OUT/models/iris/probe.json       4 iris rows and each version's predictions for them, so a test can tell
#                                    which version answered
# Both versions are trained here, by the rootfs's own python, so the scikit-learn that serves a model is the
# one that trained it. Scratch (the Debian base, the rootfs) lives in OUT/sklearn-runtime/. Every step is
# skipped when its result is there; each is built under a .tmp name and renamed, so an interrupted step is
# redone, never taken as done. Needs root (debootstrap, chroot), buildah and the network to Debian and PyPI.
# It runs in a mount namespace of its own: the /proc and /sys debootstrap mounts into the rootfs never appear
# among this machine's mounts, and vanish with the build.
# Usage: build.sh [OUT]   (default: the platform dir test/platform/build.sh builds into)
set -euo pipefail

if [[ -z "${MODELGATE_SKLEARN_PRIVATE_MOUNTS:-}" ]]; then
  exec env MODELGATE_SKLEARN_PRIVATE_MOUNTS=1 unshare --mount --propagation private -- bash "${BASH_SOURCE[0]}" "$@"
fi

KSERVE_PIP_VERSION=0.21.0
SKLEARN_PIP_VERSION=1.7.2
JOBLIB_PIP_VERSION=1.5.2
IMAGE_REF=dev.local/platform/sklearn-runtime:1

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
start=$(date +%s)
say() { printf '[sklearn-runtime build %ss] %s\n' "$(($(date +%s) - start))" "$*" >&2; }
fail() { printf 'test/platform/sklearn-runtime/build.sh: %s\n' "$*" >&2; exit 1; }

if [[ $# -eq 0 ]]; then
  key=$(sed -n 's/^PLATFORM_KEY=//p' "$here/../versions.sh")
  set -- "${MODELGATE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/modelgate}/platform-$key"
fi
[[ $# -eq 1 ]] || fail "usage: build.sh [OUT] (the platform dir)"
[[ $(id -u) -eq 0 ]] || fail "must run as root (debootstrap and chroot)"
for tool in debootstrap chroot buildah; do
  command -v "$tool" >/dev/null 2>&1 || fail "$tool is not on PATH (run test/platform/setup-host.sh: it installs the Debian packages)"
done
mkdir -p "$1"
out="$(cd "$1" && pwd -P)" # physical path: it is compared with /proc/mounts below
dir="$out/sklearn-runtime"
base="$dir/base"
rootfs="$dir/rootfs"
stamp="$rootfs/opt/modelgate/versions" # written last into the rootfs: its pins, and when it was completed
models="$out/models/iris"
images="$out/images"
archive="$images/sklearn-runtime.tar"
pins="kserve==$KSERVE_PIP_VERSION scikit-learn==$SKLEARN_PIP_VERSION joblib==$JOBLIB_PIP_VERSION"
mkdir -p "$dir" "$images"

# Removes a scratch dir. An interrupted debootstrap can leave /proc or /sys mounted inside its target:
# those are unmounted first, and nothing is removed while anything is still mounted there.
scrub() {
  local d=$1 m
  [[ -e "$d" ]] || return 0
  awk -v d="$d/" 'index($2, d) == 1 {print $2}' /proc/mounts | sort -r | while read -r m; do umount -l "$m" || true; done
  ! awk -v d="$d/" 'index($2, d) == 1 {found = 1} END {exit !found}' /proc/mounts || fail "$d still has mounts inside it"
  rm -rf "$d"
}

# Runs a command inside rootfs $1 with a clean environment (nothing of this machine's pip or PATH set-up).
in_root() {
  local root=$1
  shift
  chroot "$root" /usr/bin/env -i PATH=/opt/kserve/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 \
    PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_DEFAULT_TIMEOUT=180 "$@"
}

# The Debian mirror this machine's apt uses for bookworm (one-line or deb822 sources).
mirror() {
  local f uri=""
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
    [[ -f "$f" ]] || continue
    if [[ "$f" == *.sources ]]; then
      uri=$(awk 'BEGIN {RS = ""}
        /(^|\n)Types:[^\n]*deb([ \t\n]|$)/ && /(^|\n)Suites:[^\n]*[ \t]bookworm([ \t\n]|$)/ {
          if (match($0, /(^|\n)URIs:[ \t]*[^ \t\n]+/)) { s = substr($0, RSTART, RLENGTH); sub(/.*URIs:[ \t]*/, "", s); print s; exit } }' "$f")
    else
      uri=$(awk '$1 == "deb" { i = 2; if ($i ~ /^\[/) { while ($i !~ /\]$/) i++; i++ } if ($(i + 1) == "bookworm") { print $i; exit } }' "$f")
    fi
    [[ -n "$uri" ]] && break
  done
  [[ -n "$uri" ]] || fail "no apt source on this machine serves Debian bookworm (looked in /etc/apt/sources.list{,.d})"
  echo "${uri%/}"
}

declare -A took
# step NAME: takes the time since the last step and records it for the summary.
step_start=$(date +%s)
step() { took[$1]="$(($(date +%s) - step_start))s${2:+ ($2)}"; step_start=$(date +%s); }

# --- debootstrap: a minimal Debian bookworm with python3 and python3-venv ---
if [[ -d "$base" ]] || [[ -f "$stamp" && "$(cat "$stamp")" == "$pins" ]]; then
  step debootstrap cached
else
  src=$(mirror)
  say "debootstrap bookworm minbase from $src"
  scrub "$base.tmp"
  debootstrap --variant=minbase --include=python3,python3-venv bookworm "$base.tmp" "$src" >"$dir/debootstrap.log" 2>&1 \
    || fail "debootstrap failed: see $dir/debootstrap.log"
  scrub "$base"
  mv "$base.tmp" "$base"
  step debootstrap
  say "debootstrap done (${took[debootstrap]})"
fi

# --- pip: the rootfs = base + a venv /opt/kserve with the pinned kserve and scikit-learn + the kserve user ---
if [[ -f "$stamp" && "$(cat "$stamp")" == "$pins" ]]; then
  step pip cached
else
  say "pip install $pins"
  scrub "$rootfs.tmp"
  cp -a "$base" "$rootfs.tmp"
  in_root "$rootfs.tmp" python3 -m venv /opt/kserve || fail "creating the venv /opt/kserve failed"
  # pip trusts this machine's CA bundle, as this machine's own pip does (the way to PyPI may re-sign TLS);
  # the bundle is used for the install only and is not left in the rootfs.
  cert=()
  if [[ -f /etc/ssl/certs/ca-certificates.crt ]]; then
    cp /etc/ssl/certs/ca-certificates.crt "$rootfs.tmp/tmp/host-ca.pem"
    cert=(--cert /tmp/host-ca.pem)
  fi
  # shellcheck disable=SC2086 # $pins is a list of requirements
  in_root "$rootfs.tmp" pip install --quiet "${cert[@]}" $pins >"$dir/pip.log" 2>&1 || fail "pip install failed: see $dir/pip.log"
  rm -f "$rootfs.tmp/tmp/host-ca.pem"
  in_root "$rootfs.tmp" python -c 'import kserve, sklearn, joblib' || fail "the installed packages do not import"
  # Lean: no apt lists or caches, no pip cache, no docs.
  rm -rf "$rootfs.tmp"/var/lib/apt/lists/* "$rootfs.tmp"/var/cache/apt/* "$rootfs.tmp"/root/.cache \
    "$rootfs.tmp"/usr/share/doc/* "$rootfs.tmp"/usr/share/man/* "$rootfs.tmp"/usr/share/info/*
  # The server's user (the image runs as 1000:1000); its home dir is made in the image.
  echo 'kserve:x:1000:1000:kserve:/home/kserve:/usr/sbin/nologin' >>"$rootfs.tmp/etc/passwd"
  echo 'kserve:x:1000:' >>"$rootfs.tmp/etc/group"
  mkdir -p "$rootfs.tmp/opt/modelgate"
  echo "$pins" >"$rootfs.tmp/opt/modelgate/versions"
  scrub "$rootfs"
  mv "$rootfs.tmp" "$rootfs"
  step pip
  say "pip done (${took[pip]})"
fi

# The server itself: copied only when it changed, so that its time says when the image is out of date.
if ! cmp -s "$here/model_server.py" "$rootfs/opt/modelgate/model_server.py"; then
  install -m 0644 "$here/model_server.py" "$rootfs/opt/modelgate/model_server.py"
fi

# --- train: two versions of an iris classifier, by the rootfs's python, and the rows that tell them apart ---
if [[ -f "$models/probe.json" && "$models/probe.json" -nt "$stamp" ]]; then
  step train cached
else
  say "training iris v1 and v2"
  scrub "$rootfs/tmp/modelgate-train"
  in_root "$rootfs" python - /tmp/modelgate-train <<'EOF' || fail "training failed"
import json, os, sys

import joblib
import numpy as np
from sklearn.datasets import load_iris  # bundled with scikit-learn: nothing is downloaded
from sklearn.tree import DecisionTreeClassifier

out = sys.argv[1]
X, y = load_iris(return_X_y=True)
models = {
    "v1": DecisionTreeClassifier(max_depth=1, random_state=0).fit(X, y),
    "v2": DecisionTreeClassifier(max_depth=3, random_state=0).fit(X, y),
}
pred = {v: m.predict(X) for v, m in models.items()}
# The first row of the first two species, then the first two rows the versions disagree on.
differ = [int(i) for i in np.flatnonzero(pred["v1"] != pred["v2"])]
rows = [int(np.flatnonzero(y == c)[0]) for c in (0, 1)]
rows += [i for i in differ if i not in rows][:2]
assert len(rows) == 4 and sum(i in differ for i in rows) >= 2, (rows, differ)
for v, m in models.items():
    os.makedirs(os.path.join(out, v))
    path = os.path.join(out, v, "model.joblib")
    joblib.dump(m, path)
    assert (joblib.load(path).predict(X) == pred[v]).all()
probe = {"instances": X[rows].tolist(), "v1": pred["v1"][rows].tolist(), "v2": pred["v2"][rows].tolist()}
with open(os.path.join(out, "probe.json"), "w") as f:
    json.dump(probe, f)
    f.write("\n")
print(f"probe: {json.dumps(probe)}", file=sys.stderr)
EOF
  scrub "$models.tmp"
  mkdir -p "$(dirname "$models")"
  chmod 0755 "$(dirname "$models")"
  mv "$rootfs/tmp/modelgate-train" "$models.tmp"
  find "$models.tmp" -type d -exec chmod 0755 {} + -o -type f -exec chmod 0644 {} +
  scrub "$models"
  mv "$models.tmp" "$models"
  step train
  say "train done (${took[train]})"
fi

# --- image: the rootfs as one layer, run as kserve (1000:1000) ---
buildah_() { buildah --root "$out/buildah/root" --runroot "$out/buildah/run" --storage-driver vfs "$@"; }
if [[ -f "$archive" && "$archive" -nt "$stamp" && "$archive" -nt "$rootfs/opt/modelgate/model_server.py" ]]; then
  step image cached
else
  say "image $IMAGE_REF"
  # Not in the image: device nodes and mounts the runtime provides, scratch, and this machine's DNS and name.
  printf '%s\n' 'dev/*' 'proc/*' 'sys/*' 'tmp/*' etc/resolv.conf etc/hostname >"$dir/image.ignore"
  mkdir -p "$dir/empty"
  ctr=$(buildah_ from scratch)
  trap 'buildah_ rm "$ctr" >/dev/null 2>&1 || true' EXIT # an interrupted build leaves no working container
  buildah_ copy --quiet --contextdir "$rootfs" --ignorefile "$dir/image.ignore" "$ctr" "$rootfs/" / >/dev/null \
    || fail "copying the rootfs into the image failed"
  buildah_ copy --quiet --chown 1000:1000 "$ctr" "$dir/empty" /home/kserve >/dev/null
  buildah_ config --entrypoint '["/opt/kserve/bin/python", "/opt/modelgate/model_server.py"]' --user 1000:1000 \
    --workingdir / --env PYTHONUNBUFFERED=1 \
    --env PATH=/opt/kserve/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin "$ctr"
  buildah_ commit --quiet --rm "$ctr" "$IMAGE_REF" >/dev/null
  trap - EXIT
  rm -f "$archive.tmp"
  buildah_ push --quiet "$IMAGE_REF" "oci-archive:$archive.tmp:$IMAGE_REF" || fail "writing $archive failed"
  buildah_ rmi "$IMAGE_REF" >/dev/null
  mv -f "$archive.tmp" "$archive"
  step image "$(du -m "$archive" | cut -f1) MiB"
  say "image done (${took[image]})"
fi

say "times: debootstrap ${took[debootstrap]}, pip ${took[pip]}, train ${took[train]}, image ${took[image]}"
