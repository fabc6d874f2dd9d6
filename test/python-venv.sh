#!/usr/bin/env bash
# Creates or reuses the venv DIR/.venv with DIR/requirements.txt, for the test peers that are Python packages
# (test/kserve, test/openai-upstream: each setup.sh calls this with its own bounds).
# Idempotent: skips the install when .venv/.requirements.sha256 holds the hash of requirements.txt and of the
# Python that made the venv. Serialised with flock on DIR itself, so concurrent runs are safe.
# Exits 1 with `[TAG] ERROR: ...` naming the cause when the interpreter or the install fails.
# Usage: python-venv.sh DIR TAG MIN_PYTHON BELOW_PYTHON DIST IMPORT WHAT [PYTHON]
#   MIN_PYTHON / BELOW_PYTHON: e.g. 3.10 / 4.0 (the versions allowed: MIN <= version < BELOW);
#   DIST: the distribution an up-to-date venv has (checked cheaply); IMPORT: the module a new venv must import;
#   WHAT: the package named in messages (e.g. "kserve 0.21");
#   PYTHON: the interpreter that creates the venv (default $PYTHON, else python3).
set -euo pipefail

dir=$1 tag=$2 min=$3 below=$4 dist=$5 module=$6 what=$7
venv="$dir/.venv"
req="$dir/requirements.txt"
stamp="$venv/.requirements.sha256"
given=${8:-${PYTHON:-python3}}

say() { printf '[%s] %s\n' "$tag" "$*" >&2; }
die() { say "ERROR: $*"; exit 1; }

command -v "$given" >/dev/null 2>&1 ||
  die "'$given' not found on PATH: install Python >= $min and < $below ($what needs it) or pass one"
# One call to the (possibly slow, e.g. pyenv shim) interpreter: checks it, prints its real path and version.
probe="import sys
low, high = tuple(map(int, '$min'.split('.'))), tuple(map(int, '$below'.split('.')))
if not low <= sys.version_info[:2] < high:
    sys.exit('is Python %s; $what needs Python >= $min and < $below' % sys.version.split()[0])
try:
    import venv, ensurepip
except ImportError:
    sys.exit('lacks the venv/ensurepip modules (Debian/Ubuntu: apt-get install python3-venv)')
print(sys.executable); print(sys.version.replace(chr(10), ' '))"
info=$("$given" -c "$probe" 2>&1) || die "'$given' ${info:-exits non-zero without output: is it a Python interpreter?}"
python=$(sed -n 1p <<<"$info")
[ -x "$python" ] || die "'$given' does not behave like a Python interpreter (it printed '$info')"
want="$({ sha256sum <"$req"; sed -n 2p <<<"$info"; } | sha256sum | cut -d' ' -f1)"

# The lock is the directory itself (flock works on a directory's fd): no lock file to keep out of git.
exec 9<"$dir"
flock 9

if [ -x "$venv/bin/python" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] &&
  "$venv/bin/python" -c "import importlib.metadata as m; m.version('$dist')" >/dev/null 2>&1; then
  say "venv up to date: $venv"
  exit 0
fi

say "creating venv $venv and installing $(grep -v '^#' "$req" | xargs) (cold: about a minute)"
rm -rf "$venv"
"$python" -m venv "$venv" || die "'$python -m venv $venv' failed"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-input -r "$req" >&2 ||
  die "pip install -r $req failed (see pip's output above); the venv is left without a stamp and will be rebuilt"
"$venv/bin/python" -c "import $module" || die "$what was installed but $module does not import"
printf '%s\n' "$want" >"$stamp"
say "venv ready: $venv"
