#!/usr/bin/env bash
# nginx + libnginx-mod-rtmp for @minirtc/server's production-mode tests (the tests start nginx
# themselves: daemon off, own prefix, free ports). Idempotent.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
if ! command -v nginx >/dev/null 2>&1 || [ ! -f /usr/lib/nginx/modules/ngx_rtmp_module.so ]; then
  apt_install nginx-light libnginx-mod-rtmp
  # Without systemd Debian starts nothing, but stop a default instance if one came up.
  nginx -s stop >/dev/null 2>&1 || true
fi
echo "nginx: $(nginx -v 2>&1)"
