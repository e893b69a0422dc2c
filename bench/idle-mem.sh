#!/usr/bin/env bash
# Resident memory held per idle keep-alive connection by the hello example.
#   bench/idle-mem.sh [N=10000]
set -euo pipefail
cd "$(dirname "$0")"
N=${1:-10000}
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
cargo build --release -q --bin idleconns
(cd .. && cargo build --release -q -p examples --example hello)
PORT=$((20000 + RANDOM % 20000))
../target/release/examples/hello --addr 127.0.0.1:$PORT >/dev/null &
SRV=$!
trap 'kill $SRV $CLI 2>/dev/null || true' EXIT
sleep 0.5
rss() { awk '/VmRSS/{print $2}' /proc/$SRV/status; }
BASE=$(rss)
./target/release/idleconns 127.0.0.1:$PORT "$N" 60 > /tmp/idleconns.$$ &
CLI=$!
for _ in $(seq 1 600); do grep -q ready /tmp/idleconns.$$ 2>/dev/null && break; sleep 0.1; done
sleep 1
NOW=$(rss)
cat /tmp/idleconns.$$; rm -f /tmp/idleconns.$$
echo "server VmRSS: base=${BASE} kB, with $N idle connections=${NOW} kB"
awk -v b="$BASE" -v n="$NOW" -v c="$N" 'BEGIN { printf "per idle connection: %.0f bytes\n", (n - b) * 1024 / c }'
