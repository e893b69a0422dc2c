#!/usr/bin/env bash
# Our hello example beside the peer servers (hyper 1.x, the raw mio floor, may_minihttp,
# tiny_http, nginx) in one run of the workshop's script, one loop thread each.
#   bench/peers.sh [run.sh options, e.g. --quick]
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -q -p examples --example hello
HELLO=$PWD/target/release/examples/hello
exec ../shared/peers/run.sh --servers-only --extra "ours::$HELLO --addr 127.0.0.1:{port}" "$@"
