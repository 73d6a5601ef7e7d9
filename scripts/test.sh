#!/usr/bin/env bash
# The README's test command (npm test): provision, build, lint, then every test tier
# (unit, docker, extension, ui). The tiers that run Compose run as legs, one per flavour: docker and
# extension under Compose v2 (detected, as a user has it) and again under v1 (chosen by setting),
# ui under v2. Ends with one line per leg and one "N passed, N failed" line for all, and exits
# non-zero on any failure. No tier or leg is ever skipped: one that cannot run counts as failed.
#   WA_TEST_TIERS="unit docker:v2" npm test   runs only those (tier, or tier:flavour for a leg)
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/provision.sh || exit 1
npm run -s build || { echo "build failed"; exit 1; }
rc=0
npm run -s lint || { echo "lint failed"; rc=1; }
# The legs after unit run in two lanes at once. A leg spends most of its time waiting on the
# emulator's documented intervals (heartbeat, unhealthy, poll), not on CPU, so two lanes nearly
# halve the wall time on two cores. The lanes never run two code-server legs at the same time for
# long (ui:v2 overlaps extension:v2 by a minute or so), and suites that need a machine-wide resource
# take it in turn (test/support/machineLock.ts, legSlot in the emulator harness). Each leg writes
# test-results/logs/<leg>.log and prints it as one block when it ends.
# WA_TEST_TIERS runs the given legs one after another instead, with live output.
run_leg() {
  local leg=$1 tier=${1%%:*} flavor=${1#*:}
  if [ "$flavor" != "$leg" ]; then
    echo "================ $tier tests (compose $flavor) ================"
    node scripts/run-tier.mjs "$tier" --compose "$flavor"
  else
    echo "================ $tier tests ================"
    node scripts/run-tier.mjs "$tier"
  fi
}
run_lane() {
  local lane_rc=0 leg log
  for leg in "$@"; do
    log="test-results/logs/${leg/:/-compose-}.log"
    echo "[$(date -u +%H:%M:%S)] $leg started (output: $log)"
    run_leg "$leg" >"$log" 2>&1 || lane_rc=1
    flock test-results/logs/.print cat "$log"
  done
  return $lane_rc
}
if [ -n "${WA_TEST_TIERS:-}" ]; then
  legs=($WA_TEST_TIERS)
  for leg in "${legs[@]}"; do
    echo
    run_leg "$leg" || rc=1
  done
else
  legs=(unit docker:v2 docker:v1 extension:v2 extension:v1 ui:v2)
  echo
  run_leg unit || rc=1
  mkdir -p test-results/logs
  run_lane docker:v2 ui:v2 &
  lane_a=$!
  run_lane extension:v1 docker:v1 extension:v2 &
  lane_b=$!
  wait $lane_a || rc=1
  wait $lane_b || rc=1
fi
node scripts/summarize-tests.mjs "${legs[@]}" || rc=1
exit $rc
