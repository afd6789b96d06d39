#!/usr/bin/env bash
# The README's test command: installs what the tests need, builds, type-checks, lints and runs every test.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
install_deps
cd "$ROOT"
# The server's production-mode tests run a real nginx + libnginx-mod-rtmp, its multi-node tests a
# real redis-server; the console's tests run Debian's Chromium, and browser publishing needs ffmpeg.
bash scripts/install-nginx.sh >/dev/null
bash scripts/install-redis.sh >/dev/null
bash scripts/install-chromium.sh >/dev/null
log "build + typecheck + test (turbo)"
pnpm exec turbo run build typecheck test --output-logs=errors-only --concurrency=2
log "lint (oxlint)"
pnpm run -s lint
log "publint + size budget"
node scripts/publint-all.mjs
node scripts/size.mjs
log "all checks passed"
