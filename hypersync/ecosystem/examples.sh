#!/usr/bin/env bash
# Runs a few of iron's and nickel's own examples (built by run.sh, on hypersync) and talks
# to them with curl: GET, HEAD, POST plain and chunked, 404, keep-alive. Bounded in time.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
bin="$here/target/debug/examples"
fail=0
pid=""
stop() { if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi; pid=""; }
trap stop EXIT
start() { # start <example> <port> [scheme]
  "$bin/$1" >/dev/null 2>&1 &
  pid=$!
  for _ in $(seq 100); do
    curl -sk -o /dev/null --max-time 1 "${3:-http}://127.0.0.1:$2/" && return 0
    sleep 0.1
  done
  echo "FAIL: $1 did not answer on port $2" >&2
  exit 1
}
check() { # check <what> <expected> <actual>
  if [ "$2" = "$3" ]; then echo "ok   $1"; else echo "FAIL $1: expected [$2], got [$3]" >&2; fail=1; fi
}
c() { curl -s --max-time 5 "$@"; }

start hello 3000
check "iron hello: GET" "Hello world! 200" "$(c -w ' %{http_code}' http://127.0.0.1:3000/)"
check "iron hello: HEAD has no body" "200:0" "$(c -I -o /dev/null -w '%{http_code}:%{size_download}' http://127.0.0.1:3000/)"
reuse=$(curl -sv --max-time 5 http://127.0.0.1:3000/a http://127.0.0.1:3000/b 2>&1 >/dev/null | grep -ci 're-using\|reusing' || true)
check "iron hello: keep-alive (second request on the same connection)" "1" "$reuse"
check "iron hello: HTTP/1.0" "Hello world!" "$(c -0 http://127.0.0.1:3000/)"
stop

start echo 3000
check "iron echo: POST plain" "hello body" "$(c --data-binary 'hello body' http://127.0.0.1:3000/)"
big=$(head -c 300000 /dev/zero | tr '\0' 'x')
check "iron echo: POST chunked, 300 kB" "300000" "$(printf '%s' "$big" | c -H 'Transfer-Encoding: chunked' --data-binary @- http://127.0.0.1:3000/ | wc -c | tr -d ' ')"
check "iron echo: POST with Expect: 100-continue" "$(printf '%s' "$big" | md5sum)" "$(printf '%s' "$big" | c -H 'Expect: 100-continue' --data-binary @- http://127.0.0.1:3000/ | md5sum)"
stop

start 404 3000
check "iron 404: GET" "404" "$(c -o /dev/null -w '%{http_code}' http://127.0.0.1:3000/anything)"
stop

start hello_world 6767
check "nickel hello_world: GET" "200" "$(c -o /dev/null -w '%{http_code}' http://127.0.0.1:6767/)"
stop

# iron's `https` example: TLS by hyper-native-tls (OpenSSL), an `SslServer` of 0.10's shape,
# served a thread per connection. It reads identity.p12 (password mypass) from its folder.
tls="$(mktemp -d)"
openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=localhost -days 2 \
  -keyout "$tls/key.pem" -out "$tls/cert.pem" 2>/dev/null
openssl pkcs12 -export -inkey "$tls/key.pem" -in "$tls/cert.pem" -passout pass:mypass \
  -out "$tls/identity.p12"
(cd "$tls" && exec "$bin/https") >/dev/null 2>&1 &
pid=$!
for _ in $(seq 100); do curl -sk -o /dev/null --max-time 1 https://127.0.0.1:3000/ && break; sleep 0.1; done
check "iron https (hyper-native-tls): GET" "Hello world! 200" "$(c -k -w ' %{http_code}' https://127.0.0.1:3000/)"
reuse=$(curl -skv --max-time 5 https://127.0.0.1:3000/a https://127.0.0.1:3000/b 2>&1 >/dev/null | grep -ci 're-using\|reusing' || true)
check "iron https (hyper-native-tls): keep-alive" "1" "$reuse"
stop
rm -rf "$tls"

exit $fail
