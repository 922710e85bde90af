#!/usr/bin/env bash
# The layers point down only (web -> app -> domain / providers -> db): no HTTP below web,
# no import of a higher layer, and no import loop that spans more than one feature folder.
set -euo pipefail
cd "$(dirname "$0")/.."
fail=0
if grep -rn --include=*.rs -E '^\s*use actix|actix_web::|actix_rt::' src/app src/domain src/db src/providers src/config; then
  echo "HTTP (actix) below web/"; fail=1
fi
if grep -rn --include=*.rs -E 'crate::(web|app|providers|cli|sweeper|startup)\b' src/domain src/db; then
  echo "domain/ or db/ imports a higher layer"; fail=1
fi
if grep -rn --include=*.rs -E 'crate::(web|cli|sweeper|startup)\b' src/app src/config; then
  echo "app/ or config/ imports a front door"; fail=1
fi
python3 scripts/import_loops.py src | grep -v '^within' || fail=1
exit $fail
