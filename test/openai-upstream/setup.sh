#!/usr/bin/env bash
# Creates the project-local venv test/openai-upstream/.venv with the pinned requirements.txt.
# Idempotent: skips the install when .venv/.requirements.sha256 holds the hash of requirements.txt
# (and of the Python that made the venv). Serialised with flock, so concurrent runs are safe.
# Exits non-zero with a message naming the cause when the interpreter or the install fails.
# Usage: setup.sh [PYTHON]   (the interpreter that creates the venv; default $PYTHON, else python3)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
venv="$here/.venv"
req="$here/requirements.txt"
stamp="$venv/.requirements.sha256"
python=${1:-${PYTHON:-python3}}

say() { printf '[openai-setup] %s\n' "$*" >&2; }
die() { say "ERROR: $*"; exit 1; }

command -v "$python" >/dev/null 2>&1 ||
  die "'$python' not found on PATH: install Python 3.9 to 3.12 (kserve 0.14.1 needs it) or pass one"
# One call to the (possibly slow, e.g. pyenv shim) interpreter: checks it, prints its real path and version.
probe='import sys
if not (3, 9) <= sys.version_info < (3, 13):
    sys.exit("is Python %s; kserve 0.14.1 needs Python >= 3.9 and < 3.13 (e.g. /root/.pyenv/versions/3.11.7/bin/python)" % sys.version.split()[0])
try:
    import venv, ensurepip
except ImportError:
    sys.exit("lacks the venv/ensurepip modules (Debian/Ubuntu: apt-get install python3-venv)")
print(sys.executable); print(sys.version.replace("\n", " "))'
info=$("$python" -c "$probe" 2>&1) || die "'$python' ${info:-exits non-zero without output: is it a Python interpreter?}"
python=$(sed -n 1p <<<"$info")
[ -x "$python" ] || die "'${1:-${PYTHON:-python3}}' does not behave like a Python interpreter (it printed '$info')"
want="$({ sha256sum <"$req"; sed -n 2p <<<"$info"; } | sha256sum | cut -d' ' -f1)"

# The lock is this directory itself (flock works on a directory's fd): no lock file to keep out of git.
exec 9<"$here"
flock 9

if [ -x "$venv/bin/python" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] &&
  "$venv/bin/python" -c 'import importlib.metadata as m; m.version("kserve")' >/dev/null 2>&1; then
  say "venv up to date: $venv"
  exit 0
fi

say "creating venv $venv and installing $(grep -v '^#' "$req" | xargs) (cold: about a minute)"
rm -rf "$venv"
"$python" -m venv "$venv" || die "'$python -m venv $venv' failed"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-input -r "$req" >&2 ||
  die "pip install -r $req failed (see pip's output above); the venv is left without a stamp and will be rebuilt"
"$venv/bin/python" -c 'import kserve.protocol.rest.openai' ||
  die "kserve was installed but kserve.protocol.rest.openai does not import"
printf '%s\n' "$want" >"$stamp"
say "venv ready: $venv"
