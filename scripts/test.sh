#!/usr/bin/env bash
# The README's test command (npm test): provision, build, lint, then every test tier
# (unit, docker, extension, ui). Ends with one "N passed, N failed" line for all tiers and exits
# non-zero on any failure. No tier is ever skipped: a tier that cannot run counts as failed.
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/provision.sh || exit 1
npm run -s build || { echo "build failed"; exit 1; }
rc=0
# CI runs the tiers one after another, so restarting dockerd cannot hurt another test there.
[ "${CI:-}" = true ] && export WA_TEST_DOCKERD_RESTART=1
npm run -s lint || { echo "lint failed"; rc=1; }
tiers=(${WA_TEST_TIERS:-unit docker extension ui})
for tier in "${tiers[@]}"; do
  echo
  echo "================ $tier tests ================"
  node scripts/run-tier.mjs "$tier" || rc=1
done
node scripts/summarize-tests.mjs "${tiers[@]}" || rc=1
exit $rc
