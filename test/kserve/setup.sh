#!/usr/bin/env bash
# Creates the project-local venv test/kserve/.venv with the pinned requirements.txt (kserve 0.21, Python >= 3.10),
# or reuses it: test/python-venv.sh does the work (idempotent, serialised, errors naming the cause).
# Usage: setup.sh [PYTHON]   (the interpreter that creates the venv; default $PYTHON, else python3)
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
exec bash "$here/../python-venv.sh" "$here" kserve-setup 3.10 4.0 kserve kserve "kserve 0.21" "$@"
