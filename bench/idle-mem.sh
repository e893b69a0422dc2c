#!/usr/bin/env bash
# Resident memory held per idle keep-alive connection by a server example.
#   bench/idle-mem.sh [N=10000] [EXAMPLE=hello] [EXTRA ARGS...]
# e.g. bench/idle-mem.sh 10000 sync_hello --threads 8 --keep-alive 120
# A peer's server instead of an example: EXAMPLE as a command with {port} in it, e.g.
#   bench/idle-mem.sh 10000 '../shared/peers/target/release/hyper-ct {port}'
# After measuring, every idle connection sends a second request: all must be answered.
set -euo pipefail
cd "$(dirname "$0")"
N=${1:-10000}
EXAMPLE=${2:-hello}
shift 2 2>/dev/null || shift $#
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
cargo build --release -q --bin idleconns
PORT=$((20000 + RANDOM % 20000))
if [[ $EXAMPLE == *"{port}"* ]]; then
  ${EXAMPLE//\{port\}/$PORT} >/dev/null &
else
  (cd .. && cargo build --release -q -p examples --example "$EXAMPLE")
  "../target/release/examples/$EXAMPLE" --addr 127.0.0.1:$PORT "$@" >/dev/null &
fi
SRV=$!
trap 'kill $SRV $CLI 2>/dev/null || true' EXIT
sleep 0.5
rss() { awk '/VmRSS/{print $2}' /proc/$SRV/status; }
threads() { ls /proc/$SRV/task | wc -l; }
BASE=$(rss)
BASE_THREADS=$(threads)
./target/release/idleconns 127.0.0.1:$PORT "$N" 3 again > /tmp/idleconns.$$ &
CLI=$!
for _ in $(seq 1 600); do grep -q ready /tmp/idleconns.$$ 2>/dev/null && break; sleep 0.1; done
sleep 1
NOW=$(rss)
NOW_THREADS=$(threads)
for _ in $(seq 1 600); do grep -q again /tmp/idleconns.$$ 2>/dev/null && break; sleep 0.1; done
cat /tmp/idleconns.$$; rm -f /tmp/idleconns.$$
echo "server VmRSS: base=${BASE} kB, with $N idle connections=${NOW} kB; threads: ${BASE_THREADS} -> ${NOW_THREADS}"
awk -v b="$BASE" -v n="$NOW" -v c="$N" 'BEGIN { printf "per idle connection: %.0f bytes\n", (n - b) * 1024 / c }'
