#!/bin/sh
# Writes the Swift source of the code version every run and report records (`code_version`):
# the git commit of the package directory and whether tracked files differ from it, read at build
# time by the VersionStamp plugin (Sources/VersionStamp). Without a git checkout of exactly this
# directory (a tarball, or a tarball unpacked inside another repository) the commit is "unknown".
# The file is replaced only when its content changes, so an unchanged tree recompiles nothing.
# Usage: version-stamp.sh PACKAGE_DIR OUTPUT_FILE
set -u
pkg=$1
out=$2
git=/usr/bin/git
commit=unknown
dirty=false
if [ -x "$git" ]; then
    top=$("$git" -C "$pkg" rev-parse --show-toplevel 2>/dev/null || true)
    if [ -n "$top" ] && [ "$(cd "$top" && pwd -P)" = "$(cd "$pkg" && pwd -P)" ]; then
        commit=$("$git" -C "$pkg" rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
        if [ "$commit" != unknown ] && \
           [ -n "$("$git" --no-optional-locks -C "$pkg" status --porcelain --untracked-files=no 2>/dev/null)" ]; then
            dirty=true
        fi
    fi
fi
mkdir -p "$(dirname "$out")"
tmp="$out.tmp.$$"
cat >"$tmp" <<SWIFT
// Generated at build time by ops/version-stamp.sh (VersionStamp plugin); do not edit.
enum GitStamp {
    static let commit = "$commit"
    static let dirty = $dirty
}
SWIFT
if cmp -s "$tmp" "$out"; then rm -f "$tmp"; else mv "$tmp" "$out"; fi
