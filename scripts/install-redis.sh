#!/usr/bin/env bash
# Installs redis-server for the multi-node tests (@minirtc/server test/cluster*.test.ts) on Debian/Ubuntu.
# Idempotent: does nothing when redis-server is already on PATH. Nothing is started here: the
# tests start their own redis-server (--port <free> --save '' --appendonly no) and stop it.
set -euo pipefail

if command -v redis-server >/dev/null 2>&1; then
  echo "redis-server is already installed: $(redis-server --version)"
  exit 0
fi

SUDO=""
if [ "$(id -u)" != "0" ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "install-redis.sh: need root (or sudo) to apt-get install redis-server" >&2
    exit 1
  fi
fi

export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update
$SUDO apt-get install -y --no-install-recommends redis-server
# Without systemd Debian starts nothing, but stop a default instance if one came up.
if command -v redis-cli >/dev/null 2>&1; then redis-cli -p 6379 shutdown nosave >/dev/null 2>&1 || true; fi
echo "installed: $(redis-server --version)"
