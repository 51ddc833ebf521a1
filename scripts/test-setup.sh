#!/usr/bin/env bash
# Installs and starts what `npm test` needs beyond node_modules, so that on a fresh Debian machine
# `npm ci && npm run test:setup && npm test` passes. Safe to run again: it only does what is missing.
# - chromium: the status page's browser test drives Debian's chromium through playwright-core (no
#   browser download is possible here); the test fails, never skips, when it is missing.
# - redis-server: the Redis tests use a shared server on 127.0.0.1:6379 (one key prefix per test)
#   and start private ones from the same binary for crash tests.
set -euo pipefail

# apt-get needs root: use sudo when we are not root and it is there.
as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null 2>&1; then sudo "$@"; else
    echo "test:setup: $* needs root (no sudo found); install the package by hand" >&2
    exit 1
  fi
}

updated=no
apt_install() {
  export DEBIAN_FRONTEND=noninteractive
  if [ "$updated" = no ]; then
    echo "== apt-get update"
    as_root apt-get update -qq
    updated=yes
  fi
  echo "== installing $*"
  as_root apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

if ! command -v chromium >/dev/null 2>&1; then apt_install chromium; fi
if ! command -v redis-server >/dev/null 2>&1; then apt_install redis-server; fi

redis_answers() {
  command -v redis-cli >/dev/null 2>&1 && [ "$(redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null)" = PONG ]
}
if redis_answers; then
  echo "== redis on 127.0.0.1:6379 answers"
else
  # The tests' shared Redis keeps nothing on disk; crash tests start private servers with an AOF.
  echo "== starting redis-server on 127.0.0.1:6379"
  redis-server --bind 127.0.0.1 --port 6379 --daemonize yes --save "" --appendonly no \
    --dir "${TMPDIR:-/tmp}" --logfile "${TMPDIR:-/tmp}/test-redis.log"
  for _ in $(seq 50); do
    if redis_answers; then break; fi
    sleep 0.1
  done
  redis_answers || { echo "test:setup: redis-server did not answer on 127.0.0.1:6379" >&2; exit 1; }
fi
echo "== test setup done: chromium $(chromium --version 2>/dev/null | awk '{print $2}'), $(redis-server --version | awk '{print $3}')"
