#!/usr/bin/env bash
# First command of the quick start: install everything, then run the main job.
# Idempotent: every step is skipped when what it makes is already there and current.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

ensure_debian_packages fluidsynth fluid-soundfont-gm
ensure_venv ""

if [ "${TUNESMITH_SETUP_ONLY:-}" = "1" ]; then
  exit 0
fi
# The main job: compose a finished piece with the shipped models and defaults.
.venv/bin/tunesmith compose -o out/first-piece "$@"
echo "Listen to out/first-piece/*.wav; see .venv/bin/tunesmith --help for every command."
