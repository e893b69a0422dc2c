#!/usr/bin/env bash
# Unpacks the crates named in crates.txt, as crates.io publishes them, into crates/.
# Cargo downloads and checks each archive (its checksum from the index); nothing is edited.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
mkdir -p "$here/crates"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/src"
touch "$tmp/src/lib.rs"
{
  printf '[package]\nname = "fetch-ecosystem"\nversion = "0.0.0"\nedition = "2015"\n[workspace]\n[dependencies]\n'
  grep -v '^#' "$here/crates.txt" | while read -r name version; do
    [ -n "$name" ] && printf '%s = "=%s"\n' "$name" "$version"
  done
} >"$tmp/Cargo.toml"
cargo fetch --quiet --manifest-path "$tmp/Cargo.toml"
cache="${CARGO_HOME:-$HOME/.cargo}/registry/cache"
grep -v '^#' "$here/crates.txt" | while read -r name version; do
  [ -n "$name" ] || continue
  dest="$here/crates/$name-$version"
  [ -f "$dest/Cargo.toml" ] && continue
  archive="$(ls "$cache"/*/"$name-$version.crate" | head -n 1)"
  tar -xzf "$archive" -C "$here/crates"
done
# nickel's own example tests run `target/debug/examples/<name>` from the crate's folder.
ln -sfn ../../target "$here/crates/nickel-0.11.0/target"
