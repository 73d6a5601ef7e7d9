#!/usr/bin/env bash
# npm start: provision, build, then the demo (an emulated cluster + VS Code in the browser).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/provision.sh
npm run -s build
exec node scripts/start.mjs "$@"
