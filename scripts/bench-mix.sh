#!/usr/bin/env bash
# What the page cache buys on a realistic mix (issue 23's verdict): several
# people signed in at once, each going through the main pages in turn,
# while the AI platform writes an operational value every few seconds
# (each write changes what the organisation's pages show, so every page
# cached before it is a first view again after it).
#
# Usage: scripts/bench-mix.sh [YEARS]     (default 1; run `make bench` or
#   scripts/bench.sh YEARS first: it builds the data under target/bench/)
#   ROUNDS (3), SECONDS_PER_RUN (20) and WRITE_EVERY (3 s) set the run.
#
# For each round: tandem with the page cache (TANDEM_PAGE_CACHE_MB=16, as
# shipped) and without (0), one after the other on the same data, the same
# mix and the same writes; prints requests per second, p99 and the ratio.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
years=${1:-1}
rounds=${ROUNDS:-3}
seconds=${SECONDS_PER_RUN:-20}
write_every=${WRITE_EVERY:-3}
data="$root/target/bench/${years}y"
tandem="$root/target/release/tandem"
[ -d "$data/postgres" ] || { echo "bench-mix: no data in $data: run scripts/bench.sh $years first" >&2; exit 2; }
[ -x "$tandem" ] || { echo "bench-mix: build tandem first (cargo build --release)" >&2; exit 2; }
command -v wrk >/dev/null || { echo "bench-mix: wrk is missing (apt-get install wrk)" >&2; exit 2; }
export TANDEM_DATA_DIR="$data"
socket="$data/postgres"
port=3100
base=http://127.0.0.1:$port
work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

sql() { psql -Atq "host=$socket user=postgres dbname=tandem" -c "$1"; }

# A keeper holds the private cluster up while the measured tandems come and go.
TANDEM_ADDR=127.0.0.1:3102 "$tandem" serve >"$data/mix-keeper.log" 2>&1 &
pids+=("$!")
for _ in $(seq 1 300); do curl -sf -o /dev/null http://127.0.0.1:3102/readyz && break; sleep 0.1; done

programme=$(sql "SELECT id FROM programmes WHERE name = 'Freight operations agents'")
live=$(sql "SELECT id FROM programmes WHERE name = 'Accounts payable agents'")
review=$(sql "SELECT max(month) FROM exco_reviews WHERE programme_id = '$live' AND held_at IS NOT NULL")
# The platform's token (write scope) for the live programme.
sql "INSERT INTO api_tokens (id, organisation_id, programme_id, name, scope, token_hash, created_by, created_at)
     SELECT gen_random_uuid(), p.organisation_id, p.id, 'bench mix', 'write', sha256('bench-mix-token'), NULL, now()
       FROM programmes p WHERE p.id = '$live'
     ON CONFLICT (token_hash) DO NOTHING" >/dev/null
pages=(
  /
  "/programmes/$programme"
  "/programmes/$programme/brief"
  "/programmes/$programme/brief/versions/2"
  "/programmes/$programme/matrix"
  "/programmes/$live/dashboard"
  "/programmes/$live/metrics/automated-processing-rate"
  "/programmes/$live/cadence"
  "/programmes/$live/updates/2"
  "/programmes/$live/reviews/$review"
  "/programmes/$live/health"
  "/programmes/$live/pipeline"
  "/programmes/$live/agents"
)
people=(ceo coo cfo cto exco.commercial exco.people)

# shellcheck source=scripts/bench-login.sh
source "$root/scripts/bench-login.sh"

# Each wrk connection walks the pages in turn as one of the people.
cat >"$work/mix.lua" <<'LUA'
local views = {}
for line in io.lines(os.getenv("MIX_VIEWS")) do
  local cookie, path = line:match("^(%S+) (%S+)$")
  views[#views + 1] = { cookie = cookie, path = path }
end
local counter = 0
function setup(thread) thread:set("offset", counter * 7); counter = counter + 1 end
local i = 0
function request()
  i = i + 1
  local view = views[((i + offset) % #views) + 1]
  return wrk.format("GET", view.path, { Cookie = view.cookie })
end
LUA

# The platform corrects an operational value every few seconds.
writer() {
  exec python3 - "$base" "$live" "$write_every" <<'PY'
import json, sys, time, urllib.request
base, live, every = sys.argv[1], sys.argv[2], float(sys.argv[3])
auth = {"Authorization": "Bearer bench-mix-token", "Content-Type": "application/json"}
url = f"{base}/api/v1/programmes/{live}/metrics/exception-rate/values"
def call(method, url, body=None):
    request = urllib.request.Request(url, data=body and json.dumps(body).encode(), headers=auth, method=method)
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)
n = 0
while True:
    latest = max(call("GET", url)["values"], key=lambda v: v["period"])
    n += 1
    call("PUT", f"{url}/{latest['period']}", {"value": 20 + n % 7, "reason": "bench mix", "version": latest["version"]})
    print(f"wrote {latest['period']}", flush=True)
    time.sleep(every)
PY
}

run() { # cache-mb -> "rps p99"
  TANDEM_PAGE_CACHE_MB=$1 TANDEM_ADDR=127.0.0.1:$port "$tandem" serve >"$data/mix-$1.log" 2>&1 &
  local server=$!
  for _ in $(seq 1 300); do curl -sf -o /dev/null "$base/readyz" && break; sleep 0.1; done
  : >"$work/views"
  for person in "${people[@]}"; do
    cookie=$(login_cookie "$base" "$person@halden.example")
    for page in "${pages[@]}"; do echo "$cookie $page" >>"$work/views"; done
  done
  writer >"$data/mix-writer-$1.log" 2>&1 &
  local writing=$!
  local out
  out=$(MIX_VIEWS="$work/views" wrk -t2 -c64 -d"${seconds}s" --latency -s "$work/mix.lua" "$base/")
  kill "$writing"; wait "$writing" 2>/dev/null || true
  kill "$server"; wait "$server" 2>/dev/null || true
  writes=$(grep -c '^wrote' "$data/mix-writer-$1.log" || true)
  [ "$writes" -ge 1 ] || { echo "bench-mix: the writer wrote nothing" >&2; cat "$data/mix-writer-$1.log" >&2; exit 1; }
  if echo "$out" | grep -q "Non-2xx"; then echo "bench-mix: some views failed" >&2; echo "$out" >&2; exit 1; fi
  echo "$(echo "$out" | awk '/Requests\/sec/ {print $2}') $(echo "$out" | awk '$1 == "99%" {print $2}') $writes"
}

echo "== the page cache on a mix: ${#people[@]} people x ${#pages[@]} pages, a write every ${write_every} s, ${years} year(s)"
for round in $(seq 1 "$rounds"); do
  read -r on_rps on_p99 on_writes <<<"$(run 16)"
  read -r off_rps off_p99 off_writes <<<"$(run 0)"
  python3 -c "print(f'round $round: cache on {float(\"$on_rps\"):8.0f} req/s p99 $on_p99 ($on_writes writes) | cache off {float(\"$off_rps\"):8.0f} req/s p99 $off_p99 ($off_writes writes) | on/off {float(\"$on_rps\") / float(\"$off_rps\"):.2f}')"
done
