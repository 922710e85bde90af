#!/usr/bin/env bash
# The benchmark, one command: builds release, starts boxoffice on a fresh database and
# a free port, runs the load tool (benches/load.rs) against it, audits the books with
# `boxoffice check`, prints the server's peak RSS and stops the server.
#
#   scripts/bench.sh sqlite     # a temporary SQLite file
#   scripts/bench.sh postgres   # a fresh database boxoffice_bench_<random> on
#                               # postgres://postgres@127.0.0.1:5432, dropped afterwards
#   scripts/bench.sh postgres-2 # two instances on two ports, one such database; the
#                               # rush's buyers split half and half (the rush only)
#   scripts/bench.sh sqlite flood  # only the login flood (g), at BCRYPT_COST=12: the
#                               # event page alone and during 20 wrong logins a second
#
# BOXOFFICE_BIN=path runs that server binary instead of building this checkout's (the
# same load tool against an older build: a before/after in one sitting).
#
# Knobs (environment): BENCH_SECONDS (10 per measurement), BENCH_RUSH_BUYERS (2000),
# BENCH_RUSH_SEATS (500), BENCH_DOOR_GATES (40), BENCH_ONLY=rush (only the rush),
# BENCH_ONLY=pages (only the page views, beside the bare reference page of
# benches/bare.rs), BENCH_ONLY=door (only the door rush), and the server's own
# settings (HTTP_WORKERS, HTTP_MAX_CONNECTIONS, HTTP_BACKLOG, DB_POOL_SIZE, …).
set -euo pipefail

engine="${1:-}"
if [ "${2:-}" = flood ]; then
  export BENCH_ONLY=flood
elif [ -n "${2:-}" ]; then
  echo "usage: $0 sqlite|postgres|postgres-2 [flood]" >&2
  exit 2
fi
case "$engine" in
  sqlite | postgres) ;;
  postgres-2) export BENCH_ONLY=rush ;;
  *)
    echo "usage: $0 sqlite|postgres|postgres-2" >&2
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
[ -n "${BOXOFFICE_BIN:-}" ] || cargo build --release --bin boxoffice
bench_targets=$(cargo bench --bench load --bench bare --no-run --message-format=json |
  jq -r 'select(.reason == "compiler-artifact" and .executable != null) | "\(.target.name) \(.executable)"')
load_bin=$(awk '$1 == "load" { print $2 }' <<<"$bench_targets" | tail -n 1)
bare_bin=$(awk '$1 == "bare" { print $2 }' <<<"$bench_targets" | tail -n 1)
server_bin="${BOXOFFICE_BIN:-${CARGO_TARGET_DIR:-target}/release/boxoffice}"
[ -x "$load_bin" ] || { echo "the load tool was not built" >&2; exit 1; }
[ -x "$bare_bin" ] || { echo "the bare reference page was not built" >&2; exit 1; }

workdir=$(mktemp -d -t boxoffice-bench.XXXXXX)
server_pid=""
server_pid_2=""
bare_pid=""
pg_db=""
pg_base="postgres://postgres@127.0.0.1:5432"
pg_args=(-h 127.0.0.1 -p 5432 -U postgres)

stop_server() {
  local pid="$1"
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  fi
}

cleanup() {
  stop_server "$server_pid"
  stop_server "$server_pid_2"
  stop_server "$bare_pid"
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
  postgres | postgres-2)
    pg_db="boxoffice_bench_$(random_hex 4)"
    createdb "${pg_args[@]}" "$pg_db"
    database_url="$pg_base/$pg_db"
    label="PostgreSQL $(psql "${pg_args[@]}" -d "$pg_db" -Atc 'show server_version' | cut -d' ' -f1) (local, database $pg_db)"
    ;;
esac

export DATABASE_URL="$database_url"
export SESSION_KEY="$(random_hex 48)" # 96 characters
# bcrypt at cost 4 (it would otherwise dominate registration); the login flood measures
# what real hashes do, at the production default.
if [ "${BENCH_ONLY:-}" = flood ]; then export BCRYPT_COST="${BCRYPT_COST:-12}"; else export BCRYPT_COST=4; fi
export HOLD_MINUTES=15
export RUST_LOG=warn
# Every simulated buyer registers and holds from 127.0.0.1: lift the registration and
# hold limits.
export REGISTRATIONS_PER_ADDRESS=0 REGISTRATIONS_GLOBAL=0 HOLDS_PER_USER_PER_HOUR=0
export HOLDS_PER_ADDRESS_PER_HOUR=0
# The API rush's 2000 token holders all come from 127.0.0.1: no per-address API limit.
export API_REQUESTS_PER_MINUTE=0 API_BOOKINGS_PER_MINUTE=0 API_REQUESTS_PER_USER_PER_MINUTE=0
# The door rush's 40 gates scan as fast as they can, each with its own door token.
export API_DOOR_REQUESTS_PER_MINUTE=0
# The buyer journeys register and log in 64 users at once with cheap hashes: let them
# queue for the hashing pool (the login flood keeps the pool's defaults: it is what it
# measures).
if [ "${BENCH_ONLY:-}" != flood ]; then export PASSWORD_HASHING_QUEUE=10000; fi
# /metrics on, to show each instance's share of the reserve POSTs at the end.
METRICS_TOKEN="bench-$(random_hex 16)"
export METRICS_TOKEN
# 2000 rush buyers hold 2000 sockets on each side.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

# Starts a server logging to $1, another port if the chosen one was taken in between;
# sets started_pid and started_bind.
start_server() {
  local log="$1" pid bind
  started_pid=""
  for _ in 1 2 3; do
    bind="127.0.0.1:$(free_port)"
    BIND="$bind" "$server_bin" serve >"$log" 2>&1 &
    pid=$!
    for _ in $(seq 1 300); do
      curl -fsS "http://$bind/healthz" >/dev/null 2>&1 && break
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
      started_pid=$pid
      started_bind=$bind
      return 0
    fi
    wait "$pid" 2>/dev/null || true
    grep -q "Address already in use" "$log" || break
  done
  cat "$log" >&2
  echo "the server did not start" >&2
  exit 1
}

start_server "$workdir/server.log"
server_pid=$started_pid
BIND=$started_bind
export BIND
curl -fsS "http://$BIND/healthz" >/dev/null
second_url=""
if [ "$engine" = postgres-2 ]; then
  # Migrations ran with the first; the second only connects (and seeds nothing new).
  start_server "$workdir/server-2.log"
  server_pid_2=$started_pid
  second_url="http://$started_bind"
  label="$label, two instances ($BIND and $started_bind)"
fi

# The bare reference page (benches/bare.rs: the same stack, one row, no shop), for the
# page views to be compared with, in the same run.
bare_url=""
if [ -z "${BENCH_ONLY:-}" ] || [ "${BENCH_ONLY:-}" = pages ]; then
  for _ in 1 2 3; do
    bare_bind="127.0.0.1:$(free_port)"
    BARE_BIND="$bare_bind" BARE_DATABASE="$workdir/bare.db" "$bare_bin" >"$workdir/bare.log" 2>&1 &
    bare_pid=$!
    for _ in $(seq 1 100); do
      curl -fsS "http://$bare_bind/events/1" >/dev/null 2>&1 && break
      kill -0 "$bare_pid" 2>/dev/null || break
      sleep 0.1
    done
    if curl -fsS "http://$bare_bind/events/1" >/dev/null 2>&1; then
      bare_url="http://$bare_bind"
      break
    fi
    stop_server "$bare_pid"
    bare_pid=""
  done
  [ -n "$bare_url" ] || { cat "$workdir/bare.log" >&2; echo "the bare reference page did not start" >&2; exit 1; }
fi

admin_email="bench-admin@example.com"
admin_password="bench-admin-$(random_hex 8)"
printf '%s\n' "$admin_password" | "$server_bin" create-admin "$admin_email" >/dev/null

commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
git diff --quiet HEAD -- src templates migrations 2>/dev/null || commit="$commit + uncommitted changes"
cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
echo "== boxoffice load test: $label"
echo "Date $(date -u '+%Y-%m-%d %H:%M UTC'); commit $commit; $(nproc) cores ($cpu), $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo)."
echo "Server and load tool share the machine. Server: release build${BOXOFFICE_BIN:+ $BOXOFFICE_BIN}, BCRYPT_COST=$BCRYPT_COST, RUST_LOG=warn (no request log), HOLD_MINUTES=15, DB_POOL_SIZE=${DB_POOL_SIZE:-default (2 × cores, at least 4)}."
echo

# BENCH_PERF=file.svg: a CPU profile of the (first) server while the load tool runs,
# drawn as a flame graph (perf with DWARF call stacks, then inferno; see bench/README.md).
perf_pid=""
if [ -n "${BENCH_PERF:-}" ]; then
  perf record -F "${BENCH_PERF_HZ:-199}" --call-graph dwarf,16384 -p "$server_pid" \
    -o "$workdir/perf.data" >"$workdir/perf.log" 2>&1 &
  perf_pid=$!
  sleep 1
fi

BOXOFFICE_URL="http://$BIND" \
  BOXOFFICE_URL_2="$second_url" \
  BENCH_ADMIN_EMAIL="$admin_email" \
  BENCH_ADMIN_PASSWORD="$admin_password" \
  BOXOFFICE_PID="$server_pid" \
  BENCH_BARE_URL="$bare_url" \
  BENCH_BARE_PID="$bare_pid" \
  BENCH_ENGINE="$label" \
  "$load_bin" || echo "**The load tool failed (exit $?); see above.**"

if [ -n "$perf_pid" ]; then
  kill -INT "$perf_pid" 2>/dev/null || true
  wait "$perf_pid" 2>/dev/null || true
  perf script -i "$workdir/perf.data" 2>/dev/null | inferno-collapse-perf >"$workdir/perf.folded"
  # BENCH_PERF_FOLDED=file keeps the collapsed stacks too (one line per stack: grep them).
  [ -z "${BENCH_PERF_FOLDED:-}" ] || cp "$workdir/perf.folded" "$BENCH_PERF_FOLDED"
  inferno-flamegraph --title "boxoffice ${BENCH_PAGES:-all pages}: $server_bin ($commit)" \
    --minwidth "${BENCH_PERF_MINWIDTH:-0.5}" <"$workdir/perf.folded" >"$BENCH_PERF"
  echo "Flame graph: $BENCH_PERF ($(du -k "$BENCH_PERF" | cut -f1) KiB)."
fi
echo
echo "Books after the run (\`boxoffice check\`):"
echo '```'
if "$server_bin" check; then verdict="clean"; else verdict="VIOLATIONS (exit $?)"; fi
echo '```'
echo "Verdict: books $verdict."
echo "Server peak RSS at the end: $(awk '/VmHWM/ {printf "%.0f MiB", $2/1024}' "/proc/$server_pid/status")."
reserves_on() {
  curl -fsS -H "Authorization: Bearer $METRICS_TOKEN" "$1/metrics" |
    awk '/^boxoffice_http_requests_total\{.*route="\/events\/\{id\}\/reserve"/ {n += $2} END {print n + 0}'
}
echo "Reserve POSTs answered (from /metrics): $(reserves_on "http://$BIND") by the first instance${second_url:+, $(reserves_on "$second_url") by the second}."
if [ -n "$server_pid_2" ]; then
  echo "Second instance's peak RSS at the end: $(awk '/VmHWM/ {printf "%.0f MiB", $2/1024}' "/proc/$server_pid_2/status")."
fi
for log in "$workdir"/server*.log; do
  warnings=$(grep -c -E '\b(WARN|ERROR)\b' "$log" || true)
  echo "Server log $(basename "$log"): $warnings warning/error lines."
  if [ "$warnings" -gt 0 ]; then
    grep -E '\b(WARN|ERROR)\b' "$log" | sed -E 's/^\[[0-9TZ:.-]+ +/[/' | sort | uniq -c | sort -rn | head -n 10
  fi
done
