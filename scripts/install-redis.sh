#!/usr/bin/env bash
# redis-server for the multi-node tests (the tests start their own: --port <free> --save ''
# --appendonly no). Idempotent.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
if ! command -v redis-server >/dev/null 2>&1; then
  apt_install redis-server
  # Without systemd Debian starts nothing, but stop a default instance if one came up.
  redis-cli -p 6379 shutdown nosave >/dev/null 2>&1 || true
fi
echo "redis: $(redis-server --version)"
