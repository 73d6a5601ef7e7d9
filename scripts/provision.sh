#!/usr/bin/env bash
# Installs and starts what the demo and the tests need, and nothing that is already there:
#   Debian packages (Docker engine + Compose v1, Chromium, code-server's build tools, ripgrep),
#   node_modules (npm ci), code-server 4.100.3 in .cache/code-server, a running Docker engine.
# Idempotent: a second run takes a second or two.
#   bash scripts/provision.sh [--no-browser]   (--no-browser: no Chromium, no code-server)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
WITH_BROWSER=1
[ "${1:-}" = "--no-browser" ] && WITH_BROWSER=0

say() { printf '[provision] %s\n' "$*"; }
die() { printf '[provision] %s\n' "$*" >&2; exit 1; }

# ------------------------------------------------------------------ Debian packages
# openssh-server, iproute2: the multi-host bench (test/emulator/src/multihost.ts) runs an sshd and
# dockerds in network namespaces it creates.
pkgs=(docker.io docker-compose openssl zip unzip ripgrep openssh-server iproute2)
if [ "$WITH_BROWSER" = 1 ]; then
  # build-essential … libx11-dev: code-server's native modules build from source here.
  pkgs+=(chromium fonts-dejavu-core build-essential python3 pkg-config libkrb5-dev libxkbfile-dev libsecret-1-dev libx11-dev)
fi
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  if ! command -v apt-get >/dev/null; then
    die "missing packages: ${missing[*]}. This script installs them on Debian/Ubuntu only; install their equivalents by hand."
  fi
  if [ "$(id -u)" != 0 ]; then
    die "missing packages: ${missing[*]}. Run: sudo apt-get update && sudo apt-get install -y ${missing[*]}"
  fi
  say "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  # The bench starts its own sshd inside a namespace; the system-wide one the package enables is not wanted.
  if [[ " ${missing[*]} " == *" openssh-server "* ]] && command -v systemctl >/dev/null && [ -d /run/systemd/system ]; then
    systemctl disable --now ssh.service ssh.socket >/dev/null 2>&1 || true
  fi
fi

# ------------------------------------------------------------------ node_modules
node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=19)?0:1)' \
  || die "Node.js $(node --version) is too old: wa-cluster needs 20.19 or newer."
stamp=node_modules/.package-lock.json
if [ ! -f "$stamp" ] || [ package-lock.json -nt "$stamp" ]; then
  say "npm ci"
  npm ci --no-audit --no-fund --loglevel=error
fi

# ------------------------------------------------------------------ code-server
CS_DIR="$ROOT/.cache/code-server"
if [ "$WITH_BROWSER" = 1 ] && [ ! -x "$CS_DIR/node_modules/.bin/code-server" ]; then
  say "installing code-server 4.100.3 into .cache/code-server (about a minute)"
  bash scripts/install-code-server.sh "$CS_DIR" --no-apt --no-browser
fi

# ------------------------------------------------------------------ Docker engine
if ! docker info >/dev/null 2>&1; then
  if [ -n "${DOCKER_HOST:-}" ]; then
    die "DOCKER_HOST=$DOCKER_HOST does not answer: start that engine, or unset DOCKER_HOST to use a local one."
  fi
  if [ "$(id -u)" != 0 ]; then
    if [ -S /var/run/docker.sock ]; then
      die "the Docker engine runs but $(id -un) may not use it: sudo usermod -aG docker $(id -un), then log in again."
    fi
    die "no Docker engine answers. Start one: sudo systemctl start docker (or: sudo dockerd &)"
  fi
  mkdir -p .cache
  say "starting dockerd (log: .cache/dockerd.log)"
  nohup dockerd >"$ROOT/.cache/dockerd.log" 2>&1 &
  for _ in $(seq 1 60); do
    docker info >/dev/null 2>&1 && break
    sleep 1
  done
  docker info >/dev/null 2>&1 || { tail -20 .cache/dockerd.log >&2; die "dockerd did not come up within 60 s (log above)"; }
fi
say "ready: $(docker version --format 'Docker engine {{.Server.Version}}'), $(docker-compose version --short 2>/dev/null | sed 's/^/Compose /')"
