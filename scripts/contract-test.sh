#!/usr/bin/env bash
# The API contract test: starts boxoffice (debug build) on a fresh database with the demo
# events, an admin and the API's rate limits off, and runs schemathesis against
# /api/v1/openapi.json: every operation, with the server-error check and every response
# conformance check (status code, content type, headers, schema) plus schemathesis's
# other checks, except `positive_data_acceptance` (see README, "The JSON API": rules such
# as "an event ends after it starts" or Stripe's minimum charge are not expressible in
# JSON Schema, so some schema-valid requests are rightly refused with 422).
#
#   scripts/contract-test.sh sqlite | postgres
#
# First the document itself goes through a third-party validator, openapi-spec-validator
# (pinned; the OpenAPI 3.1 schema plus its own rules: unique operationIds, resolvable
# references, path parameters declared). Schemathesis then runs as an anonymous caller,
# a buyer (who signed up over the API), a box office clerk and an admin, and its stateful phase must cover
# the document's links (CONTRACT_MIN_LINKS). Last, a stock generator
# (openapi-python-client, pinned) makes a client from the document without a warning,
# and scripts/partner_client.py uses it: sign up, log in, personal tokens, hold a seat,
# sell at the counter.
#
# Installs schemathesis and openapi-spec-validator (pinned) into .venv-contract from PyPI
# if they are not there. Fails on any failure or error; never skips.
set -euo pipefail

engine="${1:-sqlite}"
cd "$(dirname "$0")/.."
SCHEMATHESIS_VERSION="4.32.5"
VALIDATOR_VERSION="0.9.0"
GENERATOR_VERSION="0.29.1"
venv=".venv-contract"
if ! "$venv/bin/schemathesis" --version 2>/dev/null | grep "$SCHEMATHESIS_VERSION" >/dev/null; then
  echo "== installing schemathesis $SCHEMATHESIS_VERSION into $venv" >&2
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q "schemathesis==$SCHEMATHESIS_VERSION"
fi
if ! "$venv/bin/pip" show openapi-spec-validator 2>/dev/null | grep -x "Version: $VALIDATOR_VERSION" >/dev/null; then
  echo "== installing openapi-spec-validator $VALIDATOR_VERSION into $venv" >&2
  "$venv/bin/pip" install -q "openapi-spec-validator==$VALIDATOR_VERSION"
fi
if ! "$venv/bin/pip" show openapi-python-client 2>/dev/null | grep -x "Version: $GENERATOR_VERSION" >/dev/null; then
  echo "== installing openapi-python-client $GENERATOR_VERSION into $venv" >&2
  "$venv/bin/pip" install -q "openapi-python-client==$GENERATOR_VERSION"
fi
st="$venv/bin/schemathesis"

cargo build -q --bin boxoffice
server_bin="${CARGO_TARGET_DIR:-target}/debug/boxoffice"

workdir=$(mktemp -d -t boxoffice-contract.XXXXXX)
server_pid=""
pg_db=""
pg_base="${PG_TEST_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
pg_base="${pg_base%/*}"
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  if [ -n "$pg_db" ]; then psql -q "$pg_base/postgres" -c "DROP DATABASE IF EXISTS $pg_db" >/dev/null 2>&1 || true; fi
  rm -rf "$workdir"
}
trap cleanup EXIT

case "$engine" in
  sqlite) database_url="$workdir/contract.db" ;;
  postgres)
    pg_db="boxoffice_contract_$(od -An -tx1 -N6 /dev/urandom | tr -d ' \n')"
    psql -q "$pg_base/postgres" -c "CREATE DATABASE $pg_db" >/dev/null
    database_url="$pg_base/$pg_db"
    ;;
  *) echo "usage: $0 sqlite|postgres" >&2; exit 2 ;;
esac

port=$((20000 + RANDOM % 20000))
base="http://127.0.0.1:$port"
export DATABASE_URL="$database_url" BIND="127.0.0.1:$port" BCRYPT_COST=4 RUST_LOG=warn \
  SESSION_KEY="contract-test-session-key-0123456789abcdef0123456789abcdef0123456789" \
  API_REQUESTS_PER_MINUTE=0 API_BOOKINGS_PER_MINUTE=0 HOLDS_PER_USER_PER_HOUR=0 \
  API_REQUESTS_PER_USER_PER_MINUTE=0 API_TOKENS_PER_HOUR=0 \
  HOLDS_PER_ADDRESS_PER_HOUR=0 UNCONFIRMED_BOOKINGS=1000 REGISTRATIONS_PER_ADDRESS=100000 \
  LOGIN_FAILURES_PER_ACCOUNT=100000 LOGIN_FAILURES_PER_ADDRESS=100000
password="contract-test-password"
echo "$password" | "$server_bin" create-admin admin@example.com >/dev/null
"$server_bin" serve >"$workdir/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 100); do curl -sf "$base/healthz" >/dev/null && break; sleep 0.1; done
curl -sf "$base/healthz" >/dev/null || { cat "$workdir/server.log"; exit 1; }

# A fresh password log-in's token for EMAIL (personal tokens are made only within 15
# minutes of one).
token() {
  curl -sf -X POST "$base/api/v1/tokens" -H 'content-type: application/json' \
    -d "{\"email\":\"$1\",\"password\":\"$password\"}" | jq -r .token
}

# A buyer and a box office clerk sign up over the API itself; the admin grants the
# clerk the box office of every event.
for who in buyer clerk; do
  curl -sf -X POST "$base/api/v1/accounts" -H 'content-type: application/json' \
    -d "{\"email\":\"$who@example.com\",\"password\":\"$password\"}" >/dev/null
done
curl -sf -X POST "$base/api/v1/admin/box-office-staff" -H 'content-type: application/json' \
  -H "Authorization: Bearer $(token admin@example.com)" -d '{"email":"clerk@example.com"}' >/dev/null

# schemathesis as CALLER (anonymous, buyer or admin), every check but one.
run() {
  local caller="$1"
  shift
  local auth=()
  case "$caller" in
    anonymous) ;;
    buyer) auth=(-H "Authorization: Bearer $(token buyer@example.com)") ;;
    box_office) auth=(-H "Authorization: Bearer $(token clerk@example.com)") ;;
    admin) auth=(-H "Authorization: Bearer $(token admin@example.com)") ;;
  esac
  echo "== schemathesis on $engine as $caller $*" >&2
  "$st" --config-file scripts/schemathesis.toml run "$base/api/v1/openapi.json" --url "$base" \
    --checks all --exclude-checks positive_data_acceptance \
    --max-examples "${CONTRACT_EXAMPLES:-25}" --workers 1 --seed 1 \
    --suppress-health-check all --warnings off \
    "${auth[@]}" "$@" | tee -a "$workdir/schemathesis.log"
}

status=0
echo "== openapi-spec-validator on the served document" >&2
curl -sf "$base/api/v1/openapi.json" >"$workdir/openapi.json"
"$venv/bin/openapi-spec-validator" "$workdir/openapi.json" || status=1
# Every operation but the revocation of the token a run carries, as each kind of caller;
# then that revocation (it ends the run's own token) last.
for caller in ${CONTRACT_CALLERS:-anonymous buyer box_office admin}; do
  run "$caller" --exclude-path /api/v1/tokens/current --phases examples,coverage,fuzzing || status=1
  run "$caller" --exclude-path /api/v1/tokens/current --phases stateful \
    --max-examples "${CONTRACT_STATEFUL_EXAMPLES:-100}" || status=1
done
run admin --include-path /api/v1/tokens/current --phases examples,coverage,fuzzing || status=1
# The stateful phase must walk the document's links into the admin and booking
# operations, not stop at the catalogue.
covered=$(grep -Eo 'API Links: +[0-9]+ covered' "$workdir/schemathesis.log" | grep -Eo '[0-9]+' | sort -n | tail -n 1 || true)
echo "== stateful phase: at most ${covered:-0} links covered in one run" >&2
if [ "${covered:-0}" -lt "${CONTRACT_MIN_LINKS:-6}" ]; then
  echo "the stateful phase covered fewer than ${CONTRACT_MIN_LINKS:-6} links" >&2
  status=1
fi
# A partner's view: a stock generator makes a client from the served document with no
# warning, and the client signs up, logs in, makes a personal token and holds a seat.
echo "== openapi-python-client: a client generated from the document, then used" >&2
if PATH="$PWD/$venv/bin:$PATH" "$venv/bin/openapi-python-client" generate \
    --path "$workdir/openapi.json" --output-path "$workdir/client/boxoffice_client" \
    --meta none >"$workdir/generate.log" 2>&1 && ! grep -qi "warning" "$workdir/generate.log"; then
  "$venv/bin/python" scripts/partner_client.py "$base" "$workdir/client" \
    "$(token admin@example.com)" || status=1
else
  cat "$workdir/generate.log" >&2
  status=1
fi
if grep -q "panicked" "$workdir/server.log"; then
  echo "the server panicked:" >&2
  grep -A5 panicked "$workdir/server.log" >&2
  status=1
fi
exit $status
