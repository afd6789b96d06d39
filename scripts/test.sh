#!/usr/bin/env bash
# The README's test command: installs what the tests need, builds, type-checks, lints and runs every test.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
install_deps
cd "$ROOT"
# The server's production-mode tests run a real nginx + libnginx-mod-rtmp, its multi-node tests a
# real redis-server; the console's tests run Debian's Chromium, and browser publishing and the
# server's recordings need ffmpeg (installed with Chromium).
bash scripts/install-nginx.sh >/dev/null
bash scripts/install-redis.sh >/dev/null
bash scripts/install-chromium.sh >/dev/null
log "build + typecheck + test (turbo; full log in .minirtc/test.log)"
mkdir -p .minirtc
set +e
pnpm exec turbo run build typecheck test --output-logs=full --concurrency=2 > .minirtc/test.log 2>&1
turbo_rc=$?
set -e
plain_log() { sed 's/\x1b\[[0-9;]*m//g' .minirtc/test.log; }
# Per-package vitest summaries ("Tests  3 failed | 52 passed (55)"), then one closing line.
plain_log | grep -E ':test: +Tests +[0-9]' | sed -E 's/^([^:]+):test: +Tests +/  \1: /' || true
count() { { plain_log | grep -E ':test: +Tests +[0-9]' | grep -oE "[0-9]+ $1" || true; } | awk '{s+=$1} END {print s+0}'; }
passed=$(count passed)
failed=$(count failed)
if [ "$turbo_rc" != 0 ]; then
  log "turbo failed (exit $turbo_rc): failing tasks and their output"
  plain_log | grep -E 'ERR_|Failed:|FAIL|×|Error' | head -80
  plain_log | tail -60
  echo "tests: $passed passed, $failed failed"
  exit "$turbo_rc"
fi
log "lint (oxlint)"
pnpm run -s lint
log "publint + attw on the packed tarballs"
node scripts/publint-all.mjs
log "release, dry run (build, pack, npm publish --dry-run; the tests above were the test step)"
node scripts/release.mjs --dry-run --tested
log "size budget, from dist"
node scripts/size.mjs
log "all checks passed"
echo "tests: $passed passed, $failed failed"
