#!/usr/bin/env bash
# Instructions per request of the hello server, whole process (startup included, amortised),
# under valgrind's callgrind: repeatable for the same binary and load, whatever else the
# machine is doing.
#   bench/callgrind.sh [HELLO_BINARY]   (default: target/release/examples/hello, built first)
# Prints one line per load: keep-alive (wrk -c50), pipelined x16 (wrk + pipeline.lua), and a
# connection per request (ab -c20).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${1:-}
if [ -z "$BIN" ]; then
  cargo build --release -q -p examples --example hello
  BIN=$PWD/target/release/examples/hello
fi
PIPE=$(mktemp --suffix .lua)
cat >"$PIPE" <<'LUA'
init = function(args)
   local r = {}
   for i = 1, 16 do r[i] = wrk.format(nil, "/") end
   req = table.concat(r)
end
request = function() return req end
LUA
measure() { # name port load-command...
  local name=$1 port=$2; shift 2
  local out; out=$(mktemp -d)
  valgrind --tool=callgrind --callgrind-out-file="$out/cg" "$BIN" --addr 127.0.0.1:$port >/dev/null 2>"$out/vg" &
  local pid=$!
  for _ in $(seq 100); do curl -s -o /dev/null http://127.0.0.1:$port/ && break; sleep 0.2; done
  local reqs; reqs=$("$@" | tee "$out/load" | awk '/requests in/ {print $1} /^Complete requests/ {print $3}')
  reqs=$((reqs + 1)) # the readiness probe that answered
  kill -TERM $pid 2>/dev/null || true; wait $pid 2>/dev/null || true
  local ir; ir=$(awk '/^summary:|^totals:/ {print $2; exit}' "$out/cg")
  printf '%-28s %12s instructions / %8s requests = %6d per request\n' "$name" "$ir" "$reqs" $((ir / reqs))
  rm -rf "$out"
}
measure keep-alive 38111 wrk -t1 -c50 -d8s http://127.0.0.1:38111/
measure "pipelined x16" 38112 wrk -t1 -c50 -d8s -s "$PIPE" http://127.0.0.1:38112/
measure "connection per request" 38113 ab -q -n 20000 -c 20 http://127.0.0.1:38113/
rm -f "$PIPE"
