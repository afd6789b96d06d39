#!/usr/bin/env bash
# redis-server and redis-sentinel for the multi-node tests (the tests start their own: --port
# <free> --save '' --appendonly no; sentinels on free ports). Idempotent.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
if ! command -v redis-server >/dev/null 2>&1; then
  apt_install redis-server
  # Without systemd Debian starts nothing, but stop a default instance if one came up.
  redis-cli -p 6379 shutdown nosave >/dev/null 2>&1 || true
fi
# Sentinel, for the failover test (Debian's redis-sentinel: the same binary in sentinel mode).
if ! command -v redis-sentinel >/dev/null 2>&1; then
  apt_install redis-sentinel
  redis-cli -p 26379 shutdown nosave >/dev/null 2>&1 || true
fi
echo "redis: $(redis-server --version)"
