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
tiers=(${WA_TEST_TIERS:-unit docker:v2 docker:v1 extension:v2 extension:v1 ui:v2})
for leg in "${tiers[@]}"; do
  tier=${leg%%:*}
  flavor=${leg#*:}
  echo
  if [ "$flavor" != "$leg" ]; then
    echo "================ $tier tests (compose $flavor) ================"
    node scripts/run-tier.mjs "$tier" --compose "$flavor" || rc=1
  else
    echo "================ $tier tests ================"
    node scripts/run-tier.mjs "$tier" || rc=1
  fi
done
node scripts/summarize-tests.mjs "${tiers[@]}" || rc=1
exit $rc
