#!/usr/bin/env bash
# The speed benchmark: every main page against the stack's own ceiling (the
# TechEmpower Fortunes anchor in ../shared/bench), back to back in one run,
# at one or more sizes of history.
#
# Usage: scripts/bench.sh [YEARS ...]      (default: 1 10)
#   ROUNDS (3) and SECONDS (10) set compare.sh's rounds and their length.
#
# For each size it builds a fresh private cluster under target/bench/,
# loads the demo plus YEARS of generated history (about 100,000 audit
# entries a year), starts tandem and the anchor on that same cluster, signs
# in as the demo CEO, and prints per page: requests per second, p99 and the
# ratio to the anchor; then tandem's peak RSS under that load and the time a
# second tandem takes from start to ready on the running cluster. The SQL
# round trips per page are counted by the integration test `roundtrips`
# (printed first), which also proves they do not grow with history.
#
# Each size is measured twice: "repeat views", tandem as it ships (a page
# seen again with nothing changed comes from the page cache), and "first
# views", tandem with TANDEM_PAGE_CACHE_MB=0, so every view reads and
# renders as the first view after a change does. PASSES ("repeat first")
# picks which.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
years_list=("${@:-1}")
[ $# -gt 0 ] || years_list=(1 10)
rounds=${ROUNDS:-3}
seconds=${SECONDS_PER_RUN:-10}
read -r -a passes <<<"${PASSES:-repeat first}"
anchor_src="$root/../shared/bench/fortunes-anchor"
compare="$root/../shared/bench/compare.sh"
[ -d "$anchor_src" ] || { echo "bench: $anchor_src is missing" >&2; exit 2; }
# Anything already answering on the ports measured would be measured
# instead of what this run starts.
for port in 8100 3100 3101; do
  if curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$port/"; then
    echo "bench: something already listens on 127.0.0.1:$port; stop it first" >&2
    exit 2
  fi
done

scripts/ensure-packages.sh build postgres
command -v wrk >/dev/null || {
  sudo=""; [ "$(id -u)" = 0 ] || sudo=sudo
  $sudo apt-get install -y -qq wrk >/dev/null
}

echo "== SQL round trips per page view (counted on the wire)"
cargo test --locked --test integration roundtrips -- --nocapture 2>&1 \
  | grep -E "round trips per view|test result" || true

echo "== building tandem and the anchor (release)"
cargo build --release --locked --quiet
CARGO_TARGET_DIR="$root/target/anchor" cargo build --release --quiet --manifest-path "$anchor_src/Cargo.toml"
tandem="$root/target/release/tandem"
anchor="$root/target/anchor/release/fortunes-anchor"

pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT

# shellcheck source=scripts/bench-login.sh
source "$root/scripts/bench-login.sh"

wait_ready() { # url -> seconds waited
  local start end
  start=$(date +%s.%N)
  for _ in $(seq 1 600); do
    if curl -sf -o /dev/null "$1/readyz"; then
      end=$(date +%s.%N); python3 -c "print(f'{$end - $start:.2f}')"; return 0
    fi
    sleep 0.02
  done
  echo "never"; return 1
}

for years in "${years_list[@]}"; do
  data="$root/target/bench/${years}y"
  audit_rows=$((years * 100000))
  echo
  echo "== ${years} year(s) of history: $data"
  if [ -d "$data/postgres" ]; then
    runuser -u postgres -- /usr/lib/postgresql/*/bin/pg_ctl -D "$data/postgres" -m fast -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$data"; mkdir -p "$data"; chmod 755 "$root/target/bench" "$data"
  export TANDEM_DATA_DIR="$data"
  "$tandem" demo --password bench-password --history-years "$years" --history-audit-rows "$audit_rows" | tail -1

  # A tandem that starts the private cluster and keeps it up (idle) while
  # the others come and go; a second one: the time from start to ready.
  TANDEM_ADDR=127.0.0.1:3102 "$tandem" serve >"$data/keeper.log" 2>&1 &
  keeper=$!; pids+=("$keeper")
  wait_ready http://127.0.0.1:3102 >/dev/null
  TANDEM_ADDR=127.0.0.1:3101 "$tandem" serve >"$data/serve2.log" 2>&1 &
  second=$!
  ready=$(wait_ready http://127.0.0.1:3101)
  kill "$second"; wait "$second" 2>/dev/null || true

  socket="$data/postgres"
  psql -q "host=$socket user=postgres dbname=postgres" -c 'DROP DATABASE IF EXISTS fortunes_anchor' -c 'CREATE DATABASE fortunes_anchor'
  "$anchor" "postgres:///fortunes_anchor?host=$socket&user=postgres" 127.0.0.1:8100 >"$data/anchor.log" 2>&1 &
  anchor_pid=$!; pids+=("$anchor_pid")
  for _ in $(seq 1 100); do curl -sf -o /dev/null http://127.0.0.1:8100/fortunes && break; sleep 0.1; done

  sql() { psql -Atq "host=$socket user=postgres dbname=tandem" -c "$1"; }
  programme=$(sql "SELECT id FROM programmes WHERE name = 'Freight operations agents'")
  live=$(sql "SELECT id FROM programmes WHERE name = 'Accounts payable agents'")
  review=$(sql "SELECT max(month) FROM exco_reviews WHERE programme_id = '$live' AND held_at IS NOT NULL")
  echo "history: $(sql "SELECT count(*) FROM metric_values") values, $(sql "SELECT count(*) FROM audit_log") audit entries"
  for pass in "${passes[@]}"; do
    case $pass in
      repeat) cache_mb=16; echo "-- repeat views (the page cache on, as shipped)" ;;
      first) cache_mb=0; echo "-- first views (TANDEM_PAGE_CACHE_MB=0: every view read and rendered)" ;;
      *) echo "bench: unknown pass $pass" >&2; exit 2 ;;
    esac
    TANDEM_PAGE_CACHE_MB=$cache_mb TANDEM_ADDR=127.0.0.1:3100 "$tandem" serve >"$data/serve-$pass.log" 2>&1 &
    server=$!; pids+=("$server")
    wait_ready http://127.0.0.1:3100 >/dev/null
    base=http://127.0.0.1:3100
    cookie=$(login_cookie "$base" ceo@halden.example)
    "$compare" "$rounds" "$seconds" \
      anchor=http://127.0.0.1:8100/fortunes \
      tandem-login=$base/login \
      tandem-home=$base/ \
      tandem-programme=$base/programmes/$programme \
      tandem-brief=$base/programmes/$programme/brief \
      tandem-version=$base/programmes/$programme/brief/versions/2 \
      tandem-matrix=$base/programmes/$programme/matrix \
      tandem-dashboard=$base/programmes/$live/dashboard \
      tandem-metric=$base/programmes/$live/metrics/automated-processing-rate \
      tandem-cadence=$base/programmes/$live/cadence \
      tandem-update=$base/programmes/$live/updates/2 \
      tandem-review=$base/programmes/$live/reviews/$review \
      tandem-health=$base/programmes/$live/health \
      tandem-pipeline=$base/programmes/$live/pipeline \
      tandem-agents=$base/programmes/$live/agents \
      -- "$cookie"
    peak=$(awk '/VmHWM/ {print $2}' "/proc/$server/status")
    echo "tandem peak RSS under load ($pass views): $((peak / 1024)) MB"
    kill "$server"; wait "$server" 2>/dev/null || true
  done
  echo "a second instance ready ${ready} s after start"
  kill "$anchor_pid"; wait "$anchor_pid" 2>/dev/null || true
  kill "$keeper"; wait "$keeper" 2>/dev/null || true
done
