#!/usr/bin/env bash
# The benchmark, one command: builds release, starts boxoffice on a fresh database and
# a free port, runs the load tool (benches/load.rs) against it, audits the books with
# `boxoffice check`, prints the server's peak RSS and stops the server.
#
#   scripts/bench.sh sqlite     # a temporary SQLite file
#   scripts/bench.sh postgres   # a fresh database boxoffice_bench_<random> on
#                               # postgres://postgres@127.0.0.1:5432, dropped afterwards
#
# Knobs (environment): BENCH_SECONDS (10 per measurement), BENCH_RUSH_BUYERS (2000),
# BENCH_RUSH_SEATS (500).
set -euo pipefail

engine="${1:-}"
case "$engine" in
  sqlite | postgres) ;;
  *)
    echo "usage: $0 sqlite|postgres" >&2
    exit 2
    ;;
esac
cd "$(dirname "$0")/.."

random_hex() { od -An -tx1 -N"$1" /dev/urandom | tr -d ' \n'; }

# A port below the kernel's ephemeral range (so no client socket holds it) that no
# socket uses.
free_port() {
  local low port
  low=$(cut -f1 /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32768)
  for _ in $(seq 1 50); do
    port=$((10000 + RANDOM % (low - 10000)))
    if ! ss -Htan "( sport = :$port )" 2>/dev/null | grep -q .; then
      echo "$port"
      return 0
    fi
  done
  echo "no free port found" >&2
  return 1
}

echo "== building (release; the first build takes a while)" >&2
cargo build --release --bin boxoffice
load_bin=$(cargo bench --bench load --no-run --message-format=json |
  jq -r 'select(.reason == "compiler-artifact" and .target.name == "load" and .executable != null) | .executable' |
  tail -n 1)
server_bin="target/release/boxoffice"
[ -x "$load_bin" ] || { echo "the load tool was not built" >&2; exit 1; }

workdir=$(mktemp -d -t boxoffice-bench.XXXXXX)
server_pid=""
pg_db=""
pg_base="postgres://postgres@127.0.0.1:5432"
pg_args=(-h 127.0.0.1 -p 5432 -U postgres)

cleanup() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null || true
    for _ in $(seq 1 100); do
      kill -0 "$server_pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  if [ -n "$pg_db" ]; then
    dropdb "${pg_args[@]}" --if-exists --force "$pg_db" || echo "could not drop $pg_db" >&2
  fi
  rm -rf "$workdir"
}
trap cleanup EXIT

case "$engine" in
  sqlite)
    database_url="$workdir/bench.db"
    label="SQLite (temp file, WAL)"
    ;;
  postgres)
    pg_db="boxoffice_bench_$(random_hex 4)"
    createdb "${pg_args[@]}" "$pg_db"
    database_url="$pg_base/$pg_db"
    label="PostgreSQL $(psql "${pg_args[@]}" -d "$pg_db" -Atc 'show server_version' | cut -d' ' -f1) (local, database $pg_db)"
    ;;
esac

export DATABASE_URL="$database_url"
export SESSION_KEY="$(random_hex 48)" # 96 characters
export BCRYPT_COST=4
export HOLD_MINUTES=15
export RUST_LOG=warn
# Every simulated buyer registers from 127.0.0.1: lift the registration limits.
export REGISTRATIONS_PER_ADDRESS=0 REGISTRATIONS_GLOBAL=0 HOLDS_PER_USER_PER_HOUR=0
# The API rush's 2000 token holders all come from 127.0.0.1: no per-address API limit.
export API_REQUESTS_PER_MINUTE=0 API_BOOKINGS_PER_MINUTE=0
# 2000 rush buyers hold 2000 sockets on each side.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

# Start the server; another port if the chosen one was taken in between.
for _ in 1 2 3; do
  BIND="127.0.0.1:$(free_port)"
  export BIND
  "$server_bin" serve >"$workdir/server.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 1 300); do
    curl -fsS "http://$BIND/healthz" >/dev/null 2>&1 && break
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -0 "$server_pid" 2>/dev/null && break
  wait "$server_pid" 2>/dev/null || true
  server_pid=""
  grep -q "Address already in use" "$workdir/server.log" || break
done
if [ -z "$server_pid" ]; then
  cat "$workdir/server.log" >&2
  echo "the server did not start" >&2
  exit 1
fi
curl -fsS "http://$BIND/healthz" >/dev/null

admin_email="bench-admin@example.com"
admin_password="bench-admin-$(random_hex 8)"
printf '%s\n' "$admin_password" | "$server_bin" create-admin "$admin_email" >/dev/null

commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
git diff --quiet HEAD -- src templates migrations 2>/dev/null || commit="$commit + uncommitted changes"
cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
echo "== boxoffice load test: $label"
echo "Date $(date -u '+%Y-%m-%d %H:%M UTC'); commit $commit; $(nproc) cores ($cpu), $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo)."
echo "Server and load tool share the machine. Server: release build, BCRYPT_COST=4 (bcrypt would otherwise dominate registration), RUST_LOG=warn (no request log), HOLD_MINUTES=15, DB_POOL_SIZE=${DB_POOL_SIZE:-default (2 × cores, at least 4)}."
echo

BOXOFFICE_URL="http://$BIND" \
  BENCH_ADMIN_EMAIL="$admin_email" \
  BENCH_ADMIN_PASSWORD="$admin_password" \
  BOXOFFICE_PID="$server_pid" \
  BENCH_ENGINE="$label" \
  "$load_bin" || echo "**The load tool failed (exit $?); see above.**"

echo
echo "Books after the run (\`boxoffice check\`):"
echo '```'
if "$server_bin" check; then verdict="clean"; else verdict="VIOLATIONS (exit $?)"; fi
echo '```'
echo "Verdict: books $verdict."
echo "Server peak RSS at the end: $(awk '/VmHWM/ {printf "%.0f MiB", $2/1024}' "/proc/$server_pid/status")."
warnings=$(grep -c -E '\b(WARN|ERROR)\b' "$workdir/server.log" || true)
echo "Server log: $warnings warning/error lines."
if [ "$warnings" -gt 0 ]; then
  grep -E '\b(WARN|ERROR)\b' "$workdir/server.log" | sed -E 's/^\[[0-9TZ:.-]+ +/[/' | sort | uniq -c | sort -rn | head -n 10
fi
