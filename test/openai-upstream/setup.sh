#!/usr/bin/env bash
# Creates the project-local venv test/openai-upstream/.venv with the pinned requirements.txt (kserve 0.14.1,
# Python 3.9 to 3.12), or reuses it: test/python-venv.sh does the work (idempotent, serialised, errors naming
# the cause).
# Usage: setup.sh [PYTHON]   (the interpreter that creates the venv; default $PYTHON, else python3)
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
exec bash "$here/../python-venv.sh" "$here" openai-setup 3.9 3.13 kserve kserve.protocol.rest.openai "kserve 0.14.1" "$@"
