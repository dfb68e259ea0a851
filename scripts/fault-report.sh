#!/usr/bin/env bash
# Runs the fault acceptance test with several emulator seeds and prints the
# figures: requests under faults, injected errors by status, lost answers.
# Every run also asserts duplicates 0 and orphans 0.
# Usage: scripts/fault-report.sh [seeds, default 1,2,3,4,5]
set -euo pipefail
cd "$(dirname "$0")/.."
seeds=${1:-1,2,3,4,5}
# The acceptance harness checks the import bodies against the engine.
make -s engine-deps >&2
DIGA_FAULT_SEEDS="$seeds" TF_ACC=1 go test -count=1 -v -timeout 30m \
  -run 'TestAccFlow_underFaults$' ./internal/provider |
  grep -E 'seed [0-9]+:|^(--- |ok|FAIL)'
