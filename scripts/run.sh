#!/usr/bin/env bash
# Builds tandem, loads the demo organisation into the private PostgreSQL
# cluster under ./.tandem, and serves it. Ctrl-C stops tandem and the cluster.
set -euo pipefail
cd "$(dirname "$0")/.."

password="${TANDEM_DEMO_PASSWORD:-tandem-demo}"
scripts/ensure-packages.sh build postgres
cargo build --release --locked
./target/release/tandem demo --password "$password"
addr="${TANDEM_ADDR:-127.0.0.1:3000}"
case "$addr" in
  127.*) url="http://localhost:${addr##*:}" ;;  # passkeys need a domain name
  *) url="http://$addr" ;;
esac
cat <<MSG

  Open ${TANDEM_BASE_URL:-$url} and sign in as ceo@halden.example
  (or any account above) with the password: $password

MSG
exec ./target/release/tandem serve
