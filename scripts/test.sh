#!/usr/bin/env bash
# Second command of the quick start: install the test extras, then run lint, types and the whole suite.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

ensure_debian_packages fluidsynth fluid-soundfont-gm musescore3 chromium postgresql redis-server
ensure_venv "[test]"

.venv/bin/ruff check src tests benchmarks
.venv/bin/mypy
.venv/bin/python -m pytest -q "$@"
