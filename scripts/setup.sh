#!/usr/bin/env bash
# Set-up command 1: install what is needed, build Berth (+ AOT cache), run the main job.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
bash scripts/build.sh
bash scripts/demo.sh
