#!/usr/bin/env bash
# Flat cost (issue 16): seeds two databases with `boxoffice seed-scale` — 100
# events (2,000 users, 10,000 bookings) and 10,000 events (200,000 users, 1,000,000
# bookings) — serves each with the release build and times every page one request at a
# time with curl (median and p90 of up to BENCH_N requests, at most BENCH_PAGE_SECONDS
# per page), then times `boxoffice check` with /usr/bin/time -v. Prints a Markdown table.
#
#   scripts/bench-scale.sh [sqlite|postgres]   # build release first (cargo build --release)
#
# postgres: fresh databases on postgres://postgres@127.0.0.1:5432, dropped at the end.
#
# Knobs: BENCH_N (200), BENCH_PAGE_SECONDS (20), BENCH_DIR (a temp dir, removed at the
# end unless BENCH_KEEP=1), BENCH_SIZES ("100 10000").
set -euo pipefail
cd "$(dirname "$0")/.."

engine="${1:-sqlite}"
pg_base="postgres://postgres@127.0.0.1:5432"
pg_args=(-h 127.0.0.1 -p 5432 -U postgres)
pg_dbs=()
server_bin="target/release/boxoffice"
[ -x "$server_bin" ] || { echo "build first: cargo build --release" >&2; exit 1; }
n="${BENCH_N:-200}"
page_seconds="${BENCH_PAGE_SECONDS:-20}"
sizes="${BENCH_SIZES:-100 10000}"
workdir="${BENCH_DIR:-$(mktemp -d -t boxoffice-scale.XXXXXX)}"
mkdir -p "$workdir"
server_pid=""

cleanup() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  if [ "${BENCH_KEEP:-0}" != 1 ]; then
    rm -rf "$workdir"
    for db in "${pg_dbs[@]}"; do dropdb "${pg_args[@]}" --if-exists --force "$db" || true; done
  fi
}
trap cleanup EXIT

export SESSION_KEY="$(od -An -tx1 -N48 /dev/urandom | tr -d ' \n')"
export BCRYPT_COST=4 RUST_LOG=warn
admin_email="scale-admin@example.com"
admin_password="scale-admin-password"

# Seconds of each of up to $n requests (stops after $page_seconds), one per line.
sample() {
  local started=$SECONDS i
  for ((i = 0; i < n; i++)); do
    curl -s -o /dev/null -w '%{time_total}\n' "$@"
    [ $((SECONDS - started)) -lt "$page_seconds" ] || break
  done
}

# "median p90 count" in milliseconds.
summary() {
  sort -n | awk '{ v[NR] = $1 * 1000 } END {
    m = v[int((NR + 1) / 2)]; p = v[int(NR * 0.9 + 0.5) > 0 ? int(NR * 0.9 + 0.5) : 1];
    printf "%.1f %.1f %d\n", m, p, NR }'
}

# The CSRF token of a page the jar's session sees.
csrf_of() { curl -s -b "$1" -c "$1" "$2" | sed -n 's/.*name="csrf_token" value="\([^"]*\)".*/\1/p' | head -n 1; }

login() { # jar email password
  local token
  token=$(csrf_of "$1" "$base/login")
  curl -s -o /dev/null -b "$1" -c "$1" --data-urlencode "csrf_token=$token" \
    --data-urlencode "email=$2" --data-urlencode "password=$3" "$base/login"
}

# One value from the database under test.
q() {
  if [ "$engine" = postgres ]; then psql "${pg_args[@]}" -d "$pg_db" -Atc "$1"; else sqlite3 "$db" "$1"; fi
}

declare -A results
for size in $sizes; do
  if [ "$engine" = postgres ]; then
    pg_db="boxoffice_scale_${size}_$$"
    dropdb "${pg_args[@]}" --if-exists --force "$pg_db"
    createdb "${pg_args[@]}" "$pg_db"
    pg_dbs+=("$pg_db")
    export DATABASE_URL="$pg_base/$pg_db"
  else
    db="$workdir/scale-$size.db"
    rm -f "$db" "$db-wal" "$db-shm"
    export DATABASE_URL="$db"
  fi
  echo "== seeding $size events" >&2
  /usr/bin/time -f "%e s, %M KiB" -o "$workdir/seed-$size.time" \
    "$server_bin" seed-scale --events "$size" --users $((size * 20)) --bookings $((size * 100)) >&2
  results["seed,$size"]=$(cat "$workdir/seed-$size.time")
  printf '%s\n' "$admin_password" | "$server_bin" create-admin "$admin_email" >/dev/null
  /usr/bin/time -v -o "$workdir/check-$size.time" "$server_bin" check >"$workdir/check-$size.out"
  results["check,$size"]="$(awk -F': ' '/Elapsed/ {print $2}' "$workdir/check-$size.time"), $(awk -F': ' '/Maximum resident/ {printf "%.0f MiB", $2/1024}' "$workdir/check-$size.time"), $(tail -n 1 "$workdir/check-$size.out")"

  port=$((20000 + RANDOM % 20000))
  BIND="127.0.0.1:$port" "$server_bin" serve >"$workdir/server-$size.log" 2>&1 &
  server_pid=$!
  base="http://127.0.0.1:$port"
  for _ in $(seq 1 300); do curl -fsS "$base/healthz" >/dev/null 2>&1 && break; sleep 0.1; done

  # The first upcoming event on the front page, one of its admissions that was checked
  # in, a buyer with bookings.
  event_id=$(q "SELECT e.id FROM events e JOIN tickets t ON t.event_id = e.id WHERE e.published AND e.ended_at IS NULL GROUP BY e.id ORDER BY e.starts_at, e.id LIMIT 1")
  code=$(q "SELECT a.code FROM admissions a JOIN tickets t ON t.id = a.ticket_id WHERE t.event_id = $event_id AND a.status = 'valid' LIMIT 1")
  buyer=$(q "SELECT u.email FROM users u JOIN tickets t ON t.user_id = u.id WHERE t.status = 'paid' LIMIT 1")

  admin_jar="$workdir/admin-$size.jar"
  buyer_jar="$workdir/buyer-$size.jar"
  login "$admin_jar" "$admin_email" "$admin_password"
  login "$buyer_jar" "$buyer" "scale-password"
  door_token=$(csrf_of "$admin_jar" "$base/door/events/$event_id")
  nonce=$(curl -s -b "$admin_jar" "$base/door/events/$event_id" | sed -n 's/.*name="nonce" value="\([^"]*\)".*/\1/p' | head -n 1)
  # The first scan admits; every timed one answers "already in" (the same queries).
  curl -s -o /dev/null -b "$admin_jar" -c "$admin_jar" --data-urlencode "csrf_token=$door_token" \
    --data-urlencode "nonce=$nonce" --data-urlencode "code=$code" --data-urlencode "gate=A" \
    "$base/door/events/$event_id/scan"

  pages=(
    "front page|$base/"
    "front page, last page|$base/?before=end"
    "event page|$base/events/$event_id"
    "my tickets|-b $buyer_jar $base/tickets"
    "admin dashboard|-b $admin_jar $base/admin"
    "admin dashboard, oldest page|-b $admin_jar $base/admin?before=end"
    "admin: event bookings|-b $admin_jar $base/admin/events/$event_id/bookings"
    "admin: event check-ins|-b $admin_jar $base/admin/events/$event_id/checkins"
    "admin: payments|-b $admin_jar $base/admin/payments"
    "admin: accounts|-b $admin_jar $base/admin/accounts"
  )
  for entry in "${pages[@]}"; do
    name=${entry%%|*}
    name=${name% (*}
    # shellcheck disable=SC2086 # the cookie option and the URL split on purpose
    status=$(curl -s -o /dev/null -w '%{http_code}' ${entry#*|})
    # shellcheck disable=SC2086
    results["$name,$size"]="$(sample ${entry#*|} | summary) $status"
    echo "   $name: ${results["$name,$size"]}" >&2
  done
  new_nonce=$(curl -s -b "$admin_jar" "$base/door/events/$event_id" | sed -n 's/.*name="nonce" value="\([^"]*\)".*/\1/p' | head -n 1)
  results["check-in answer,$size"]="$(sample -b "$admin_jar" --data-urlencode "csrf_token=$door_token" \
    --data-urlencode "nonce=$new_nonce" --data-urlencode "code=$code" --data-urlencode "gate=A" \
    "$base/door/events/$event_id/scan" | summary) $(curl -s -o /dev/null -w '%{http_code}' -b "$admin_jar" \
    --data-urlencode "csrf_token=$door_token" --data-urlencode "nonce=$new_nonce" \
    --data-urlencode "code=$code" --data-urlencode "gate=A" "$base/door/events/$event_id/scan")"
  echo "   check-in answer: ${results["check-in answer,$size"]}" >&2
  results["rss,$size"]=$(awk '/VmHWM/ {printf "%.0f MiB", $2/1024}' "/proc/$server_pid/status")
  kill -TERM "$server_pid"
  wait "$server_pid" 2>/dev/null || true
  server_pid=""
done

set -- $sizes
small=$1
large=$2
echo "Date $(date -u '+%Y-%m-%d %H:%M UTC'); commit $(git rev-parse --short HEAD); $(nproc) cores; $engine; one request at a time (curl), up to $n per page or ${page_seconds} s."
echo
echo "| Page | $small events: median / p90 ms | $large events: median / p90 ms | ratio of medians | status |"
echo "|---|---|---|---|---|"
for name in "front page" "front page, last page" "event page" "my tickets" "admin dashboard" \
  "admin dashboard, oldest page" "admin: event bookings" "admin: event check-ins" "admin: payments" "admin: accounts" "check-in answer"; do
  read -r m1 p1 c1 s1 <<<"${results["$name,$small"]}"
  read -r m2 p2 c2 s2 <<<"${results["$name,$large"]}"
  ratio=$(awk -v a="$m1" -v b="$m2" 'BEGIN { printf "%.2f×", b / a }')
  echo "| $name | $m1 / $p1 ($c1) | $m2 / $p2 ($c2) | $ratio | $s1 / $s2 |"
done
echo
for size in $sizes; do
  echo "- $size events: seed-scale ${results["seed,$size"]} (time, peak RSS); check ${results["check,$size"]}; server peak RSS ${results["rss,$size"]}."
done
