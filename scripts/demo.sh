#!/usr/bin/env bash
# The README's demo command: installs what it needs, builds the server, the headless package and
# the console (turbo: skipped when their inputs did not change), and starts the demo stack
# (scripts/demo.mjs: server + embedded media server + a bot publishing into room "demo", plus the
# mini-program demos built against it in the background). Flags go to scripts/demo.mjs (--help).
export MINIRTC_DEMO_STARTED_MS="${MINIRTC_DEMO_STARTED_MS:-$(date +%s%3N)}"
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
install_deps
cd "$ROOT"
mkdir -p .minirtc
BUILD_LOG=.minirtc/demo-build.log
log "building server, headless and console (unchanged ones are skipped; log: $BUILD_LOG)"
if ! pnpm exec turbo run build --filter=@minirtc/server... --filter=@minirtc/headless... --filter=@minirtc/console... --output-logs=new-only > "$BUILD_LOG" 2>&1; then
  tail -n 40 "$BUILD_LOG" >&2
  log "build failed: the whole log is in $BUILD_LOG"
  exit 1
fi
exec node scripts/demo.mjs "$@"
