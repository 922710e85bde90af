#!/usr/bin/env bash
# Captures the shop's main pages (front, event, paid ticket with its QR code, admin
# dashboard, admin event form) at 360 px and 1280 px into docs/screenshots/
# (or the folder given as $1), on a fresh demo database, in headless Chromium.
# Needs chromium and chromium-driver (the kit in tests/suite/browser/); exits non-zero if a
# page could not be captured.
set -euo pipefail
cd "$(dirname "$0")/.."

cargo build --quiet --bin boxoffice
cargo run --quiet --example screenshots -- "${1:-docs/screenshots}"
