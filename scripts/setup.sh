#!/usr/bin/env bash
# Installs what the tests need and is not yet on this machine: redis-server, haproxy, pebble (the ACME
# test server) and PostgreSQL's server binaries. Safe to run again: it installs only what is missing
# and says what it did.
set -euo pipefail

missing=()
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
command -v haproxy >/dev/null 2>&1 || [ -x /usr/sbin/haproxy ] || missing+=(haproxy)
command -v pebble >/dev/null 2>&1 || missing+=(pebble)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
command -v npm >/dev/null 2>&1 || missing+=(nodejs npm)   # type-checks the k6 scripts
command -v curl >/dev/null 2>&1 || missing+=(curl)        # the README's walk-through, which a test runs
command -v jq >/dev/null 2>&1 || missing+=(jq)
command -v promtool >/dev/null 2>&1 || missing+=(prometheus)          # promtool: the alert rules' unit tests
command -v docker-compose >/dev/null 2>&1 || missing+=(docker-compose)  # checks deploy/compose.yml (no engine needed)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)              # the dashboard's browser test (Playwright drives it)

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: redis-server, haproxy, pebble, PostgreSQL, npm, curl, jq, promtool, docker-compose and chromium are installed; nothing to do."
else
  if [ "$(id -u)" -ne 0 ]; then
    echo "setup: missing ${missing[*]}; run as root (or: sudo apt-get install -y --no-install-recommends ${missing[*]})." >&2
    exit 1
  fi
  echo "setup: installing ${missing[*]} ..."
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  # The packages start their own services where an init system runs; the tests start their own.
  for service in redis-server haproxy postgresql prometheus prometheus-node-exporter; do
    if command -v service >/dev/null 2>&1; then service "$service" stop >/dev/null 2>&1 || true; fi
  done
  echo "setup: installed ${missing[*]}."
fi

command -v dotnet >/dev/null 2>&1 || { echo "setup: the .NET 10 SDK is required (dotnet was not found)." >&2; exit 1; }
