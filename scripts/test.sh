#!/usr/bin/env bash
# The README's test command (npm test): provision, build, lint, then every test tier
# (unit, docker, extension, ui). Ends with one "N passed, N failed" line for all tiers and exits
# non-zero on any failure. No tier is ever skipped: a tier that cannot run counts as failed.
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/provision.sh || exit 1
# The shared reference folder (fixtures) sits beside the project. A clone made elsewhere (e.g. into
# a temporary folder) finds it beside the repository it was cloned from.
if [ -z "${WA_SHARED_DIR:-}" ] && [ ! -d ../shared ]; then
  origin=$(git config --get remote.origin.url 2>/dev/null || true)
  if [ -n "$origin" ] && [ -d "$origin/../shared" ]; then
    export WA_SHARED_DIR="$(cd "$origin/../shared" && pwd)"
    echo "shared reference folder: $WA_SHARED_DIR (beside $origin)"
  fi
fi
npm run -s build || { echo "build failed"; exit 1; }
rc=0
npm run -s lint || { echo "lint failed"; rc=1; }
tiers=(${WA_TEST_TIERS:-unit docker extension ui})
for tier in "${tiers[@]}"; do
  echo
  echo "================ $tier tests ================"
  node scripts/run-tier.mjs "$tier" || rc=1
done
node scripts/summarize-tests.mjs "${tiers[@]}" || rc=1
exit $rc
