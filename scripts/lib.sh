# Shared helpers for the README's commands (sourced, not executed).
# They install what the project needs on a fresh machine that has only Node 20:
# pnpm (pinned, into .tools/ so no global install or root is needed) and,
# where a feature needs them, Debian packages.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PNPM_VERSION="12.4.2"
export TURBO_TELEMETRY_DISABLED=1
export DO_NOT_TRACK=1

log() { printf '\033[1m[minirtc]\033[0m %s\n' "$*" >&2; }

ensure_pnpm() {
  local bin="$ROOT/.tools/node_modules/.bin/pnpm"
  if [ ! -x "$bin" ] || [ "$("$bin" --version 2>/dev/null)" != "$PNPM_VERSION" ]; then
    log "installing pnpm $PNPM_VERSION into .tools/"
    npm install --prefix "$ROOT/.tools" --no-save --no-package-lock --no-audit --no-fund --loglevel=error "pnpm@$PNPM_VERSION" >/dev/null
  fi
  export PATH="$ROOT/.tools/node_modules/.bin:$ROOT/node_modules/.bin:$PATH"
}

install_deps() {
  ensure_pnpm
  log "pnpm install (frozen lockfile)"
  (cd "$ROOT" && pnpm install --frozen-lockfile --reporter=append-only 2>&1 | tail -n 5)
}

# apt_install <debian packages...>: installs them (apt-get update once per run), with sudo when
# not root. The test and demo scripts start the services themselves: nothing is started here.
APT_UPDATED=0
apt_install() {
  local sudo=""
  if [ "$(id -u)" != 0 ]; then
    if command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
      log "need root (or sudo) to apt-get install $*"; return 1
    fi
  fi
  if ! command -v apt-get >/dev/null 2>&1; then
    log "no apt-get: install '$*' with your package manager"; return 1
  fi
  if [ "$APT_UPDATED" = 0 ]; then
    log "apt-get update"; $sudo apt-get update -qq >/dev/null; APT_UPDATED=1
  fi
  log "apt-get install $*"
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# apt_ensure <command> <debian packages...>: installs the packages when <command> is missing.
apt_ensure() {
  local cmd="$1"; shift
  command -v "$cmd" >/dev/null 2>&1 || apt_install "$@"
}
