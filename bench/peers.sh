#!/usr/bin/env bash
# The benchmark's peers (npm run bench): Redis and NATS, from Debian's packages, on loopback.
#
#   bench/peers.sh installed              prints "redis nats" for those whose server is on PATH
#   bench/peers.sh install                apt-get installs redis-server / nats-server if missing
#   bench/peers.sh start redis DIR PORT   redis-server: AOF, appendfsync everysec, no RDB, data in DIR
#   bench/peers.sh start nats DIR PORT    nats-server -js: JetStream, file storage in DIR
#   bench/peers.sh stop DIR               stops what `start` started in DIR, by the PID it wrote
#
# `start` returns once the server accepts connections on 127.0.0.1:PORT and writes
# DIR/server.pid; `stop` sends SIGTERM to that PID (SIGKILL after 5 s) and waits.
set -euo pipefail

redis_bin() { command -v redis-server || true; }
nats_bin() { command -v nats-server || ls /usr/sbin/nats-server /usr/bin/nats-server 2>/dev/null | head -1 || true; }

wait_port() {
  local port=$1 pid=$2
  for _ in $(seq 1 200); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then return 0; fi
    kill -0 "$pid" 2>/dev/null || { echo "peers.sh: server exited before listening on $port" >&2; return 1; }
    sleep 0.05
  done
  echo "peers.sh: nothing listens on 127.0.0.1:$port after 10 s" >&2
  return 1
}

case "${1:-}" in
  installed)
    out=()
    [ -n "$(redis_bin)" ] && out+=(redis)
    [ -n "$(nats_bin)" ] && out+=(nats)
    echo "${out[*]:-}"
    ;;
  install)
    need=()
    [ -n "$(redis_bin)" ] || need+=(redis-server)
    [ -n "$(nats_bin)" ] || need+=(nats-server)
    if [ ${#need[@]} -gt 0 ]; then
      echo "peers.sh: installing ${need[*]}" >&2
      export DEBIAN_FRONTEND=noninteractive
      apt-get update -qq >&2
      apt-get install -y -qq "${need[@]}" >&2
    fi
    ;;
  start)
    name=$2 dir=$3 port=$4
    mkdir -p "$dir"
    case "$name" in
      redis)
        "$(redis_bin)" --port "$port" --bind 127.0.0.1 --protected-mode no --dir "$dir" \
          --appendonly yes --appendfsync everysec --save '' --daemonize no --logfile "$dir/redis.log" </dev/null >"$dir/stdout.log" 2>&1 &
        ;;
      nats)
        "$(nats_bin)" -js -sd "$dir/jetstream" -a 127.0.0.1 -p "$port" -l "$dir/nats.log" </dev/null >"$dir/stdout.log" 2>&1 &
        ;;
      *) echo "peers.sh: unknown server $name" >&2; exit 2 ;;
    esac
    pid=$!
    echo "$pid" > "$dir/server.pid"
    wait_port "$port" "$pid"
    echo "$pid"
    ;;
  stop)
    dir=$2
    [ -f "$dir/server.pid" ] || exit 0
    pid=$(cat "$dir/server.pid")
    if kill -0 "$pid" 2>/dev/null; then
      kill -TERM "$pid"
      for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
      kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" || true
    fi
    rm -f "$dir/server.pid"
    ;;
  *)
    sed -n '2,12p' "$0" >&2
    exit 2
    ;;
esac
