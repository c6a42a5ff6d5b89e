#!/usr/bin/env bash
# Re-fetch the web app's third-party files from the npm registry at pinned versions, and print
# each file's sha256 (commit what it writes; nothing here runs at setup or in the browser's
# way: the app loads only files EQM serves itself).
#   agent/web/vendor/   uPlot (charts), shipped with the app
#   tests/vendor/       axe-core (the accessibility check), for tests/test_web.py only
# To take a newer release, change a version below, run this, then the browser tests.
set -euo pipefail
cd "$(dirname "$0")/.."

UPLOT=1.6.32
AXE_CORE=4.14.1

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# vendor PACKAGE VERSION DESTINATION FILE[=NAME]... : `npm pack` the release, copy each FILE
# out of it into DESTINATION (as NAME when given)
vendor() {
    local package=$1 version=$2 destination=$3 file name
    shift 3
    mkdir -p "$work/$package" "$destination"
    (cd "$work/$package" && npm pack --silent "$package@$version" >/dev/null)
    tar -xzf "$work/$package"/*.tgz -C "$work/$package"
    for pair in "$@"; do
        file=${pair%%=*}
        name=${pair#*=}
        [ "$name" != "$pair" ] || name=$(basename "$file")
        install -m 644 "$work/$package/package/$file" "$destination/$name"
        sha256sum "$destination/$name"
    done
}

vendor uplot "$UPLOT" agent/web/vendor \
    dist/uPlot.iife.min.js dist/uPlot.min.css LICENSE=uPlot.LICENSE
vendor axe-core "$AXE_CORE" tests/vendor axe.min.js LICENSE=axe-core.LICENSE
echo "vendored uPlot $UPLOT and axe-core $AXE_CORE"
