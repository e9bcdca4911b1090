#!/usr/bin/env bash
# A local Odin cluster on loopback in one command: Redis, a throwaway PostgreSQL, 2 Odin.Hosting,
# 2 Gateways and HAProxy (deploy/haproxy.cfg). Everything lives in .cluster/ (logs, data, keys, PIDs);
# `down` stops exactly the processes `up` started and removes the throwaway data.
#
#   scripts/cluster.sh up       build, start everything, print the URLs and the admin key
#   scripts/cluster.sh up --redis-cluster
#                               the same on a Redis Cluster (3 masters with a replica each) instead of one Redis
#   scripts/cluster.sh up --servers-only
#                               Redis and PostgreSQL alone (the benchmarks that start their own Odin processes)
#   scripts/cluster.sh status   which processes run and whether each reports ready
#   scripts/cluster.sh down     stop them
#
# Ports: ODIN_CLUSTER_PORT (default 8080) is HAProxy; the others follow it:
#   +21/+22 gateways, +31/+32 Hosting, +40 Redis (a Redis Cluster: +40..+45, its bus +60..+65), +50 PostgreSQL.
# ODIN_CLUSTER_STATE moves .cluster/ elsewhere; ODIN_CLUSTER_NO_BUILD=1 uses what is built (the test of this script).
# As a deployment should: Redis has no default user (Odin connects as the ACL user "odin" with the password
# in .cluster/redis-password), PostgreSQL asks for a password (SCRAM; .cluster/pg-password), and every
# secret in .cluster/ is readable by the user who ran this only.
set -euo pipefail
umask 077
cd "$(dirname "$0")/.."
root=$(pwd)
state="${ODIN_CLUSTER_STATE:-$root/.cluster}"
base=${ODIN_CLUSTER_PORT:-8080}
haproxy_port=$base
gateway_ports=($((base + 21)) $((base + 22)))
hosting_ports=($((base + 31)) $((base + 32)))
redis_port=$((base + 40))
redis_cluster_ports=($((base + 40)) $((base + 41)) $((base + 42)) $((base + 43)) $((base + 44)) $((base + 45)))
pg_port=$((base + 50))
pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)

say() { printf 'cluster: %s\n' "$*"; }
pidfile() { echo "$state/pids/$1.pid"; }
running() { [ -f "$(pidfile "$1")" ] && kill -0 "$(cat "$(pidfile "$1")")" 2>/dev/null; }
as_postgres() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

wait_for() { # name, command...
  local name=$1; shift
  for _ in $(seq 1 300); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.2
  done
  say "$name did not come up; see $state/logs/$name.log"
  exit 1
}

start() { # name, command... (runs in the background, logs to .cluster/logs/NAME.log)
  local name=$1; shift
  if running "$name"; then say "$name is already running"; return; fi
  nohup "$@" >>"$state/logs/$name.log" 2>&1 &   # appended: a restart keeps what the last run logged
  echo $! >"$(pidfile "$name")"
}

redis_cli() { # port, command...
  local port=$1; shift
  REDISCLI_AUTH="$(cat "$state/redis-password")" redis-cli -p "$port" --user odin "$@"
}

cluster_ok() { # every node says the cluster is whole with 3 masters
  local port
  for port in "${redis_cluster_ports[@]}"; do
    redis_cli "$port" cluster info | grep -q 'cluster_state:ok' || return 1
    redis_cli "$port" cluster info | grep -q 'cluster_size:3' || return 1
  done
}

start_redis_cluster() { # password: 6 nodes, joined into 3 masters with a replica each (once)
  local password=$1 i port
  for i in 0 1 2 3 4 5; do
    port=${redis_cluster_ports[$i]}
    start "redis$((i + 1))" redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no --dir "$state" \
      --cluster-enabled yes --cluster-port $((port + 20)) --cluster-config-file "$state/redis$((i + 1))-nodes.conf" \
      --cluster-node-timeout 2000 --user default off --user odin on ">$password" '~*' '&*' '+@all' \
      --masteruser odin --masterauth "$password"
    wait_for "redis$((i + 1))" redis_cli "$port" ping
  done
  if ! cluster_ok; then
    redis_cli "${redis_cluster_ports[0]}" --cluster create $(printf '127.0.0.1:%s ' "${redis_cluster_ports[@]}") \
      --cluster-replicas 1 --cluster-yes >"$state/logs/redis-cluster-create.log" 2>&1 \
      || { say "redis-cli --cluster create failed; see $state/logs/redis-cluster-create.log"; exit 1; }
    wait_for redis-cluster cluster_ok
  fi
  redis_nodes=$(printf '127.0.0.1:%s,' "${redis_cluster_ports[@]}")
  redis_nodes=${redis_nodes%,}
}

up() { # [--redis-cluster] [--servers-only]
  local redis_cluster="" servers_only=""
  for flag in "$@"; do
    case "$flag" in
      --redis-cluster) redis_cluster=1 ;;
      --servers-only) servers_only=1 ;;
    esac
  done
  command -v redis-server >/dev/null && command -v haproxy >/dev/null && [ -n "$pgbin" ] \
    || { say "missing servers: run scripts/setup.sh first"; exit 1; }
  mkdir -p "$state/logs" "$state/pids"
  # 0711: PostgreSQL's own user must pass through to its data folder; nobody else may list what is here.
  chmod 711 "$state"
  if [ "${ODIN_CLUSTER_NO_BUILD:-}" != 1 ]; then
    say "building (Release) ..."
    dotnet build "$root/src/Odin.Hosting" -c Release -nologo -v quiet >"$state/logs/build.log" 2>&1 \
      && dotnet build "$root/src/Gateway" -c Release -nologo -v quiet >>"$state/logs/build.log" 2>&1 \
      || { say "build failed; see $state/logs/build.log"; exit 1; }
  fi

  [ -f "$state/redis-password" ] || openssl rand -hex 24 >"$state/redis-password"
  [ -f "$state/pg-password" ] || openssl rand -hex 24 >"$state/pg-password"
  local redis_password pg_password
  redis_password=$(cat "$state/redis-password")
  pg_password=$(cat "$state/pg-password")
  if [ -n "$redis_cluster" ]; then
    start_redis_cluster "$redis_password"
  else
    start redis redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no --dir "$state" \
      --user default off --user odin on ">$redis_password" '~*' '&*' '+@all'
    wait_for redis env REDISCLI_AUTH="$redis_password" redis-cli -p "$redis_port" --user odin ping
    redis_nodes="127.0.0.1:$redis_port"
  fi

  if [ ! -d "$state/pg" ]; then
    mkdir -p "$state/pg"
    cp "$state/pg-password" "$state/pg/pwfile"
    [ "$(id -u)" -ne 0 ] || chown -R postgres:postgres "$state/pg"
    as_postgres "$pgbin/initdb" -D "$state/pg/data" -A scram-sha-256 --pwfile "$state/pg/pwfile" -U postgres -E UTF8 --no-sync \
      >"$state/logs/initdb.log" 2>&1 || { say "initdb failed; see $state/logs/initdb.log"; exit 1; }
    rm -f "$state/pg/pwfile"
  fi
  if [ "$(id -u)" -eq 0 ]; then
    start postgres runuser -u postgres -- "$pgbin/postgres" -D "$state/pg/data" -p "$pg_port" -k "$state/pg" -c listen_addresses=127.0.0.1 -c shared_preload_libraries=pg_stat_statements
  else
    start postgres "$pgbin/postgres" -D "$state/pg/data" -p "$pg_port" -k "$state/pg" -c listen_addresses=127.0.0.1 -c shared_preload_libraries=pg_stat_statements
  fi
  wait_for postgres "$pgbin/pg_isready" -h 127.0.0.1 -p "$pg_port" -U postgres
  export PGPASSWORD="$pg_password"
  psql -h 127.0.0.1 -p "$pg_port" -U postgres -tc "SELECT 1 FROM pg_database WHERE datname = 'odin'" | grep -q 1 \
    || psql -h 127.0.0.1 -p "$pg_port" -U postgres -qc "CREATE DATABASE odin"
  unset PGPASSWORD

  if [ ! -f "$state/signing-key.pem" ]; then
    openssl ecparam -name prime256v1 -genkey -noout | openssl pkcs8 -topk8 -nocrypt -out "$state/signing-key.pem"
    openssl ec -in "$state/signing-key.pem" -pubout -out "$state/signing-key.pub.pem" 2>/dev/null
    openssl rand -hex 32 >"$state/admin-key"
  fi
  if [ ! -f "$state/keys-encryption-key" ]; then
    openssl rand -base64 32 >"$state/keys-encryption-key"
  fi
  # Secrets an older run left readable by others are narrowed.
  chmod 600 "$state"/admin-key "$state"/keys-encryption-key "$state"/signing-key.pem "$state"/redis-password "$state"/pg-password

  if [ -n "$servers_only" ]; then
    cat <<INFO
cluster: Redis and PostgreSQL up (no Odin processes: --servers-only). Logs in $state/logs.
  Redis:                  $redis_nodes (user odin, password in $state/redis-password)
  PostgreSQL:             127.0.0.1:$pg_port (user postgres, database odin, password in $state/pg-password)
INFO
    return
  fi

  export Odin__Redis__Configuration="$redis_nodes,user=odin,password=$redis_password"
  # HAProxy (127.0.0.1) is the trusted proxy. The rate limits are raised because the load driver mints
  # every device's token from this one machine; an internet-facing cluster keeps the defaults.
  for i in 0 1; do
    Odin__Database__Provider=Postgres \
    Odin__Database__ConnectionString="Host=127.0.0.1;Port=$pg_port;Username=postgres;Password=$pg_password;Database=odin" \
    Odin__Auth__SigningKeyPath="$state/signing-key.pem" \
    Odin__Admin__ApiKey="$(cat "$state/admin-key")" \
    Odin__Keys__EncryptionKey="$(cat "$state/keys-encryption-key")" \
    Odin__Auth__HubUrl="http://127.0.0.1:$haproxy_port/hubs/device" \
    Odin__Peer__ResolveTo="http://127.0.0.1:$haproxy_port" \
    Odin__Peer__AllowedNetworks="127.0.0.1/32" \
    Odin__Edge__TrustedProxies="127.0.0.1/32" \
    Odin__RateLimits__DeviceTokenPerSource=100000 Odin__RateLimits__DeviceTokenPerIdentity=100000 \
    Odin__RateLimits__AdminPerSource=100000 \
    Odin__Temp__Root="$state/temp" \
      start "hosting$((i + 1))" dotnet "$root/src/Odin.Hosting/bin/Release/net10.0/Odin.Hosting.dll" --urls "http://127.0.0.1:${hosting_ports[$i]}"
  done
  for i in 0 1; do wait_for "hosting$((i + 1))" curl -sf "http://127.0.0.1:${hosting_ports[$i]}/health/ready"; done

  # Gateway 1 reads the public key from a file, gateway 2 fetches Hosting's JWK Set: both ways work.
  Odin__Auth__PublicKeyPath="$state/signing-key.pub.pem" \
    start gateway1 dotnet "$root/src/Gateway/bin/Release/net10.0/Odin.Gateway.dll" --urls "http://127.0.0.1:${gateway_ports[0]}"
  Odin__Auth__JwksUrl="http://127.0.0.1:${hosting_ports[0]}/.well-known/odin/jwks.json" \
    start gateway2 dotnet "$root/src/Gateway/bin/Release/net10.0/Odin.Gateway.dll" --urls "http://127.0.0.1:${gateway_ports[1]}"
  for i in 0 1; do wait_for "gateway$((i + 1))" curl -sf "http://127.0.0.1:${gateway_ports[$i]}/health/ready"; done

  ODIN_BIND="127.0.0.1:$haproxy_port" \
  ODIN_GATEWAY1="127.0.0.1:${gateway_ports[0]}" ODIN_GATEWAY2="127.0.0.1:${gateway_ports[1]}" \
  ODIN_HOSTING1="127.0.0.1:${hosting_ports[0]}" ODIN_HOSTING2="127.0.0.1:${hosting_ports[1]}" \
    start haproxy haproxy -db -f "$root/deploy/haproxy.cfg"
  wait_for haproxy curl -sf "http://127.0.0.1:$haproxy_port/health/ready"

  cat <<INFO
cluster: up. Logs in $state/logs.
  API and hub (HAProxy):  http://127.0.0.1:$haproxy_port      hub: http://127.0.0.1:$haproxy_port/hubs/device
  Hosting:                http://127.0.0.1:${hosting_ports[0]}  http://127.0.0.1:${hosting_ports[1]}
  Gateways:               http://127.0.0.1:${gateway_ports[0]}  http://127.0.0.1:${gateway_ports[1]}
  Redis:                  $redis_nodes (user odin, password in $state/redis-password)
  PostgreSQL:             127.0.0.1:$pg_port (user postgres, database odin, password in $state/pg-password)
  Admin key:              in $state/admin-key
INFO
}

wait_gone() { # name, pid: wait up to 60 s for the process to be gone, then kill it
  local name=$1 pid=$2
  for _ in $(seq 1 300); do kill -0 "$pid" 2>/dev/null || { say "stopped $name"; return 0; }; sleep 0.2; done
  say "$name (pid $pid) did not stop within 60 s; killing it"
  kill -9 "$pid" 2>/dev/null || true
}

stop_and_wait() { # name: SIGTERM (a gateway drains), then wait for the process to be gone
  local pid
  pid=$(cat "$(pidfile "$1")")
  kill "$pid"
  wait_gone "$1" "$pid"
}

down() {
  [ -d "$state/pids" ] || { say "nothing is running"; return; }
  for name in haproxy gateway1 gateway2 hosting1 hosting2 redis redis1 redis2 redis3 redis4 redis5 redis6; do
    if running "$name"; then stop_and_wait "$name"; fi
    rm -f "$(pidfile "$name")"
  done
  rm -f "$state"/redis*-nodes.conf # a Redis Cluster's membership: the next up creates it anew
  if running postgres; then
    # pg_ctl waits for the server; the pid file holds the runuser (or postgres) process around it.
    as_postgres "$pgbin/pg_ctl" stop -D "$state/pg/data" -m fast >/dev/null || true
    wait_gone postgres "$(cat "$(pidfile postgres)")"
  fi
  rm -f "$(pidfile postgres)"
  rm -rf "$state/pg" "$state/pids"
  say "down (logs kept in $state/logs)"
}

status() {
  local redis_names=(redis) redis_ports=("$redis_port") i
  if [ -f "$(pidfile redis1)" ]; then redis_names=(redis1 redis2 redis3 redis4 redis5 redis6); redis_ports=("${redis_cluster_ports[@]}"); fi
  for name in "${redis_names[@]}" postgres hosting1 hosting2 gateway1 gateway2 haproxy; do
    if running "$name"; then printf '%-9s running (pid %s)\n' "$name" "$(cat "$(pidfile "$name")")"; else printf '%-9s stopped\n' "$name"; fi
  done
  for port in "$haproxy_port" "${hosting_ports[@]}" "${gateway_ports[@]}"; do
    printf 'http://127.0.0.1:%s/health/ready: %s\n' "$port" "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/health/ready" || true)"
  done
  local redis_answer pg_answer
  for i in "${redis_ports[@]}"; do
    redis_answer=$(REDISCLI_AUTH="$(cat "$state/redis-password" 2>/dev/null)" redis-cli -p "$i" --user odin ping 2>&1 || true)
    printf 'redis 127.0.0.1:%s: %s\n' "$i" "${redis_answer:-no answer}"
  done
  pg_answer=$("$pgbin/pg_isready" -h 127.0.0.1 -p "$pg_port" -U postgres 2>&1 || true)
  printf 'postgres: %s\n' "${pg_answer:-no answer}"
}

case "${1:-}" in
  up)
    shift
    for flag in "$@"; do
      case "$flag" in
        --redis-cluster|--servers-only) ;;
        *) echo "usage: scripts/cluster.sh up [--redis-cluster] [--servers-only]" >&2; exit 2 ;;
      esac
    done
    up "$@" ;;
  down) down ;;
  status) status ;;
  *) echo "usage: scripts/cluster.sh up [--redis-cluster] [--servers-only]|down|status" >&2; exit 2 ;;
esac
