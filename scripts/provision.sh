#!/usr/bin/env bash
# Installs and starts what the demo and the tests need, and nothing that is already there:
#   Debian packages (Docker engine + Compose v1, Chromium, code-server's build tools, ripgrep),
#   the Compose v2 plugin (Debian trixie's docker-compose 2.26.1, fetched into .cache/compose-v2),
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
  # npm ci empties node_modules first: through a symlink that is another checkout's install.
  [ -L node_modules ] && die "node_modules is a symlink (to $(readlink node_modules)) and package-lock.json is newer than its install: run npm ci in that checkout, or replace the link with a folder of its own."
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
# ------------------------------------------------------------------ Compose v2 (the CLI plugin)
# What every current Docker install has: `docker compose`. Debian bookworm packages only v1, so the
# plugin comes from trixie's docker-compose package (a static Go binary), fetched with a private apt
# configuration under .cache (the system's sources, lists and the v1 package stay as they are) from
# the Debian mirror this machine already uses. v1 (`docker-compose`) stays installed beside it.
COMPOSE_V2_VERSION=2.26.1
COMPOSE_V2_SUITE=trixie
COMPOSE_V2_DIR="$ROOT/.cache/compose-v2"
# Where Docker's CLI finds plugins for every user (WA_COMPOSE_PLUGIN_DIR: another folder, e.g. to try this out).
COMPOSE_PLUGIN_DIR="${WA_COMPOSE_PLUGIN_DIR:-/usr/local/lib/docker/cli-plugins}"

# The Debian mirror of the machine's own apt configuration (deb822 .sources or one-line .list).
debian_mirror() {
  local f
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    awk 'BEGIN{RS=""} /Suites:[^\n]*(bookworm|trixie|sid|stable)( |\n|$)/ && !/Suites:[^\n]*-security/ { if (match($0, /URIs:[ \t]*[^ \t\n]+/)) { u=substr($0,RSTART,RLENGTH); sub(/URIs:[ \t]*/,"",u); print u; exit } }' "$f"
  done | grep -m1 . && return 0
  cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null \
    | awk '$1=="deb" && $0 !~ /security/ { for (i=2;i<=NF;i++) if ($i ~ /^(https?|file):/) { print $i; exit } }' | grep -m1 .
}

# Extracts the plugin into .cache/compose-v2/<version>/ (once); prints the binary's path.
fetch_compose_v2() {
  local bin="$COMPOSE_V2_DIR/$COMPOSE_V2_VERSION/usr/libexec/docker/cli-plugins/docker-compose"
  if [ ! -x "$bin" ]; then
    command -v apt-get >/dev/null && command -v dpkg-deb >/dev/null \
      || die "Compose v2: apt-get and dpkg-deb are needed to fetch Debian's docker-compose $COMPOSE_V2_VERSION (or install the plugin by hand: https://docs.docker.com/compose/install/linux/)"
    local mirror
    mirror=$(debian_mirror) || die "Compose v2: no Debian mirror in /etc/apt/sources.list{,.d}"
    local apt="$COMPOSE_V2_DIR/apt"
    mkdir -p "$apt/lists/partial" "$apt/cache/archives/partial" "$apt/parts" "$COMPOSE_V2_DIR/deb"
    printf 'deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] %s %s main\n' "$mirror" "$COMPOSE_V2_SUITE" >"$apt/sources.list"
    local opts=(-o "Dir::Etc::SourceList=$apt/sources.list" -o "Dir::Etc::SourceParts=$apt/parts"
      -o "Dir::State::Lists=$apt/lists" -o "Dir::Cache=$apt/cache" -o "APT::Sandbox::User=$(id -un)" -qq)
    say "fetching Compose v2 (Debian $COMPOSE_V2_SUITE docker-compose $COMPOSE_V2_VERSION from $mirror) into .cache/compose-v2" >&2
    apt-get "${opts[@]}" update >&2 || die "Compose v2: apt-get update of the private $COMPOSE_V2_SUITE list failed"
    local ver
    ver=$(apt-cache "${opts[@]}" madison docker-compose | awk -F'|' -v want="$COMPOSE_V2_VERSION" '{ gsub(/ /,"",$2) } index($2, want)==1 { print $2; exit }')
    [ -n "$ver" ] || die "Compose v2: $COMPOSE_V2_SUITE has no docker-compose $COMPOSE_V2_VERSION (apt-cache madison docker-compose with .cache/compose-v2/apt)"
    (cd "$COMPOSE_V2_DIR/deb" && apt-get "${opts[@]}" download "docker-compose=$ver" >&2) || die "Compose v2: apt-get download docker-compose=$ver failed"
    rm -rf "$COMPOSE_V2_DIR/$COMPOSE_V2_VERSION.tmp"
    dpkg-deb -x "$COMPOSE_V2_DIR"/deb/docker-compose_*"$COMPOSE_V2_VERSION"*.deb "$COMPOSE_V2_DIR/$COMPOSE_V2_VERSION.tmp"
    [ -x "$COMPOSE_V2_DIR/$COMPOSE_V2_VERSION.tmp/usr/libexec/docker/cli-plugins/docker-compose" ] \
      || die "Compose v2: the package has no usr/libexec/docker/cli-plugins/docker-compose"
    rm -rf "$COMPOSE_V2_DIR/$COMPOSE_V2_VERSION"
    mv "$COMPOSE_V2_DIR/$COMPOSE_V2_VERSION.tmp" "$COMPOSE_V2_DIR/$COMPOSE_V2_VERSION"
  fi
  printf '%s\n' "$bin"
}

# Installs the plugin into $COMPOSE_PLUGIN_DIR when it is not there yet (or is another version).
install_compose_v2() {
  local bin target="$COMPOSE_PLUGIN_DIR/docker-compose"
  bin=$(fetch_compose_v2)
  if [ -x "$target" ] && cmp -s "$bin" "$target"; then
    return 0
  fi
  if [ -w "$(dirname "$COMPOSE_PLUGIN_DIR")" ] || [ -w "$COMPOSE_PLUGIN_DIR" ] || [ "$(id -u)" = 0 ]; then
    say "installing the Compose v2 plugin as $target"
    mkdir -p "$COMPOSE_PLUGIN_DIR"
    install -m 0755 "$bin" "$target"
  else
    die "Compose v2 is fetched but not installed. Run:
  sudo mkdir -p $COMPOSE_PLUGIN_DIR
  sudo install -m 0755 $bin $target"
  fi
}
install_compose_v2

say "ready: $(docker version --format 'Docker engine {{.Server.Version}} (API {{.Server.APIVersion}})'), $(docker compose version --short 2>/dev/null | sed 's/^v\{0,1\}/Compose v2 /') and $(docker-compose version --short 2>/dev/null | sed 's/^/Compose v1 /')"
