#!/usr/bin/env bash
# `npm run bench`: installs what the benchmarks need and runs them all (results in bench/results).
# Extra arguments go to bench/run.mjs (`--smoke`, `--only=size,fanout`).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
install_deps
# The media relay benchmark compares the embedded media server with nginx + libnginx-mod-rtmp.
if ! command -v nginx >/dev/null 2>&1 || [ ! -e /usr/lib/nginx/modules/ngx_rtmp_module.so ]; then
  log "installing nginx + libnginx-mod-rtmp (media relay anchor)"
  bash "$ROOT/scripts/install-nginx.sh"
fi
command -v taskset >/dev/null 2>&1 || log "taskset missing (util-linux): servers and generators will not be pinned to cores"
cd "$ROOT"
pnpm exec turbo run build --filter=@minirtc/bench... --output-logs=errors-only
cd bench && exec node run.mjs "$@"
