#!/usr/bin/env bash
# `npm run bench`: installs what the benchmarks need and runs them all (results in bench/results).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
install_deps
cd "$ROOT"
pnpm exec turbo run build --filter=@minirtc/bench... --output-logs=errors-only
cd bench && exec node run.mjs "$@"
