#!/usr/bin/env bash
# The README's demo command: installs what it needs, builds the server and headless packages,
# and starts the demo stack (server + embedded media server + a bot publishing into room "demo",
# plus the mini-program demos built against it). Flags go to scripts/demo.mjs (--lan, --no-build).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
install_deps
cd "$ROOT"
log "building server + headless"
pnpm exec turbo run build --filter=@minirtc/server... --filter=@minirtc/headless... --output-logs=errors-only
exec node scripts/demo.mjs "$@"
