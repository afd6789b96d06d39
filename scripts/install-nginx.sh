#!/usr/bin/env bash
# Installs nginx with the RTMP module for @minirtc/server's nginx tests (Debian/Ubuntu).
# Idempotent: does nothing when nginx and the RTMP module are already there.
# The tests start nginx themselves (daemon off, own prefix, free ports); nothing is started here.
set -euo pipefail

have_module() {
  ls /usr/lib/nginx/modules/ngx_rtmp_module.so >/dev/null 2>&1
}

if command -v nginx >/dev/null 2>&1 && have_module; then
  echo "nginx with the RTMP module is already installed: $(nginx -v 2>&1)"
  exit 0
fi

SUDO=""
if [ "$(id -u)" != "0" ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "install-nginx.sh: need root (or sudo) to apt-get install nginx-light libnginx-mod-rtmp" >&2
    exit 1
  fi
fi

export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update
$SUDO apt-get install -y --no-install-recommends nginx-light libnginx-mod-rtmp
# Debian starts nothing here without systemd, but stop a default instance if one came up.
$SUDO nginx -s stop >/dev/null 2>&1 || true
echo "installed: $(nginx -v 2>&1)"
