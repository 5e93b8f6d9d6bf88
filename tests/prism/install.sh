#!/usr/bin/env bash
# Installs the pinned Prism (the validating mock server the conformance command
# runs) into "$CARGO_TARGET_DIR/prism", or "target/prism" beside the workspace.
# Idempotent: when the installed lock file matches ours it returns at once.
# Needs Node >= 18.20 and npm; prints the path of the prism executable.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
target="${CARGO_TARGET_DIR:-$root/target}"
dest="$target/prism"
bin="$dest/node_modules/.bin/prism"

if [ -x "$bin" ] && cmp -s "$here/package-lock.json" "$dest/package-lock.json" \
    && cmp -s "$here/package.json" "$dest/package.json"; then
    echo "$bin"
    exit 0
fi

mkdir -p "$dest"
cp "$here/package.json" "$here/package-lock.json" "$dest/"
(cd "$dest" && npm ci --no-audit --no-fund --loglevel=error >&2)
"$bin" --version >/dev/null
echo "$bin"
