#!/usr/bin/env bash
# Runs the ecosystem crates' own test suites (unit, integration and doc tests, nickel's
# example tests that start its examples and talk to them) against hypersync's `hyper`, and
# checks that every test that passes on real hyper 0.10.16 (baseline.txt) passes here.
#
#   ./run.sh             against hypersync (the [patch] in Cargo.toml)
#   ./run.sh --baseline  against crates.io's hyper 0.10.16, rewriting baseline.txt
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
"$here/unpack.sh"
dir="$here"
if [ "${1:-}" = "--baseline" ]; then
  # The same workspace without the hyper patch, in a copy of its own.
  dir="${BASELINE_DIR:-$here/target/baseline-ws}"
  mkdir -p "$dir"
  cp -r "$here/crates" "$here/apps" "$dir/"
  sed '/^hyper = { path/d' "$here/Cargo.toml" >"$dir/Cargo.toml"
  ln -sfn ../../target "$dir/crates/nickel-0.11.0/target"
fi
cd "$dir"
# Code of 2017 on today's compiler: lints that have become errors in these crates'
# `deny(warnings)` (nickel's doc tests among them) are kept warnings, as on crates.io hyper.
export RUSTFLAGS="--cap-lints=warn"
export RUSTDOCFLAGS="--cap-lints=warn"
log="$dir/target/ecosystem-test.log"
mkdir -p "$dir/target"
: >"$log"
# iron's own `middleware::test::*` build a `Request` with `mem::uninitialized()`, which
# today's Rust aborts on (the whole test binary with it) whichever hyper is underneath:
# they are skipped by name, here and in the baseline alike.
cargo test --workspace --exclude iron --no-fail-fast 2>&1 | tee -a "$log" >/dev/null || true
cargo test -p iron --no-fail-fast -- --skip middleware::test 2>&1 | tee -a "$log" >/dev/null || true
# One line a test: "<suite> <test> <ok|FAILED|ignored>".
results="$dir/target/ecosystem-results.txt"
awk -f "$here/results.awk" "$log" | sort -u >"$results"
if [ "${1:-}" = "--baseline" ]; then
  grep ' ok$' "$results" | sed 's/ ok$//' >"$here/baseline.txt"
  echo "baseline: $(wc -l <"$here/baseline.txt") tests pass on crates.io hyper 0.10.16"
  exit 0
fi
passed=$(grep -c ' ok$' "$results" || true)
failed=$(grep -c ' FAILED$' "$results" || true)
missing=$(comm -23 "$here/baseline.txt" <(grep ' ok$' "$results" | sed 's/ ok$//' | sort) || true)
echo "ecosystem: $passed passed, $failed failed; baseline (crates.io hyper 0.10.16): $(wc -l <"$here/baseline.txt") pass"
grep ' FAILED$' "$results" || true
if [ -n "$missing" ]; then
  echo "passing on hyper 0.10.16 but not here:" >&2
  echo "$missing" >&2
  exit 1
fi
# Their examples, built above, with a real client; iron's `https` example needs its
# feature (TLS through hyper-native-tls, OpenSSL underneath), which the suites do not.
cargo build -p iron --example https --features native-tls-example 2>&1 | tail -n 1
"$here/examples.sh"
