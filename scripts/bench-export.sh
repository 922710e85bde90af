#!/usr/bin/env bash
# Export memory (issue 24, item 4): seeds a 1,000,000-booking data set with
# `boxoffice seed-scale` over few events (10 by default, so that one event has about
# 100,000 bookings), starts the server, downloads the largest event's bookings export
# and the payments-and-refunds export of every day, and reports for each the rows, the
# bytes, the time and the server's peak RSS during it: VmHWM from /proc, reset just
# before each export by writing 5 to /proc/PID/clear_refs (Linux ≥ 4.0, the server's
# owner or root), so each figure is that export's own peak and not start-up's.
#
#   bash scripts/bench-export.sh sqlite|postgres
#
# Knobs: BOXOFFICE_BIN (target/release/boxoffice), EXPORT_EVENTS (10), EXPORT_USERS
# (200000), EXPORT_BOOKINGS (1000000). PostgreSQL: a fresh database on
# postgres://postgres@127.0.0.1:5432 (PGPASSWORD as needed), dropped afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."

engine=${1:-sqlite}
server_bin=${BOXOFFICE_BIN:-target/release/boxoffice}
events=${EXPORT_EVENTS:-10}
users=${EXPORT_USERS:-200000}
bookings=${EXPORT_BOOKINGS:-1000000}
[ -x "$server_bin" ] || { echo "no server binary at $server_bin (cargo build --release)" >&2; exit 1; }

workdir=$(mktemp -d)
server_pid=""
pg_db=""
pg_args=(-h 127.0.0.1 -U postgres)
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null || true
  [ -n "$pg_db" ] && dropdb "${pg_args[@]}" --if-exists --force "$pg_db" || true
  rm -rf "$workdir"
}
trap cleanup EXIT

export SESSION_KEY="$(od -An -tx1 -N48 /dev/urandom | tr -d ' \n')"
export BCRYPT_COST=4 RUST_LOG=warn
if [ "$engine" = postgres ]; then
  pg_db="boxoffice_export_$$"
  createdb "${pg_args[@]}" "$pg_db"
  export DATABASE_URL="postgres://postgres:${PGPASSWORD:-postgres}@127.0.0.1:5432/$pg_db"
  q() { psql "${pg_args[@]}" -d "$pg_db" -Atc "$1"; }
else
  export DATABASE_URL="$workdir/export.db"
  q() { sqlite3 "$DATABASE_URL" "$1"; }
fi

echo "== seed-scale --events $events --users $users --bookings $bookings ($engine)"
/usr/bin/time -f "%e s, %M KiB peak" -o "$workdir/seed.time" \
  "$server_bin" seed-scale --events "$events" --users "$users" --bookings "$bookings" | tail -n 1
echo "   seed: $(cat "$workdir/seed.time")"
admin_email=export-admin@example.com
admin_password=export-password-123
printf '%s\n' "$admin_password" | "$server_bin" create-admin "$admin_email" >/dev/null

port=$((20000 + RANDOM % 20000))
base="http://127.0.0.1:$port"
BIND="127.0.0.1:$port" "$server_bin" serve >"$workdir/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 600); do curl -fsS "$base/healthz" >/dev/null 2>&1 && break; sleep 0.1; done

hwm() { awk '/VmHWM/ {printf "%.1f MiB", $2/1024}' "/proc/$server_pid/status"; }
rss() { awk '/VmRSS/ {printf "%.1f MiB", $2/1024}' "/proc/$server_pid/status"; }

echo "== server after start (migrations, the sweeper's first rounds): VmRSS $(rss), VmHWM $(hwm)"
echo 5 >"/proc/$server_pid/clear_refs" || true
jar="$workdir/admin.jar"
token=$(curl -s -b "$jar" -c "$jar" "$base/login" | sed -n 's/.*name="csrf_token" value="\([^"]*\)".*/\1/p' | head -n 1)
curl -s -o /dev/null -b "$jar" -c "$jar" --data-urlencode "csrf_token=$token" \
  --data-urlencode "email=$admin_email" --data-urlencode "password=$admin_password" "$base/login"
curl -s -o /dev/null -b "$jar" "$base/admin"
echo "== then a log-in and one dashboard: peak RSS during them (VmHWM) $(hwm), VmRSS $(rss)"

event_id=$(q "SELECT event_id FROM tickets GROUP BY event_id ORDER BY COUNT(*) DESC, event_id LIMIT 1")
event_bookings=$(q "SELECT COUNT(*) FROM tickets WHERE event_id = $event_id")
event_seats=$(q "SELECT COUNT(*) FROM admissions a JOIN tickets t ON t.id = a.ticket_id WHERE t.event_id = $event_id")
export_one() { # name url
  local out="$workdir/$1.csv" stats
  echo 5 >"/proc/$server_pid/clear_refs" || echo "   (could not reset VmHWM: the figure is the peak since start)"
  echo "   before: VmRSS $(rss), VmHWM reset to $(hwm)"
  stats=$(curl -s -b "$jar" -o "$out" -w '%{http_code} %{size_download} %{time_total}' "$2")
  read -r status bytes seconds <<<"$stats"
  printf '== %s: HTTP %s, %s rows, %.1f MB in %s s; server peak RSS during it (VmHWM) %s, VmRSS after %s\n' \
    "$1" "$status" "$(($(wc -l <"$out") - 1))" "$(echo "$bytes / 1000000" | bc -l)" "$seconds" "$(hwm)" "$(rss)"
}
echo "   event $event_id: $event_bookings bookings, $event_seats admissions"
export_one "bookings of event $event_id" "$base/admin/events/$event_id/bookings.csv"
export_one "payments and refunds, every day" "$base/admin/exports/payments.csv?from=2000-01-01&to=2099-12-31"
