#!/usr/bin/env bash
# `npm run tarballs`: the packages as npm would publish them, for installing MiniRTC into your own
# app before it is on npm. Installs the workspace, builds the publishable packages and packs each
# one with `pnpm pack` into artifacts/packages/ (docs/install.md says what to do with them).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
install_deps
cd "$ROOT"
log "build the packages"
pnpm exec turbo run build --filter='./packages/*' --output-logs=errors-only
rm -rf artifacts/packages
node scripts/pack-all.mjs artifacts/packages
