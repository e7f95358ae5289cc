#!/usr/bin/env bash
# The whole test suite in one command (README): installs what the tests need when missing (as root,
# with apt), starts a throwaway PostgreSQL on 127.0.0.1, publishes the app the way the Dockerfile does,
# builds the solution once, runs `dotnet test` on each test project in turn, and prints the plain summary line
# "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")"
ROOT=$(pwd)

log() { printf '\n== %s\n' "$*"; }

find_pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }

# ---------- 1. what the tests need from the machine ----------
missing=()
CHROMIUM=${CHROMIUM_PATH:-$(command -v chromium || true)}
[ -n "$CHROMIUM" ] || missing+=(chromium)
PG_BIN=$(find_pg_bin)
{ [ -n "$PG_BIN" ] && [ -x "$PG_BIN/initdb" ]; } || missing+=(postgresql)
# node and npm run Redocly's OpenAPI lint (OpenApiLintTests) and scripts/generate-client.sh.
command -v node >/dev/null && command -v npm >/dev/null || missing+=(nodejs npm)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    log "Installing ${missing[*]} with apt"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q >/dev/null && apt-get install -y -q "${missing[@]}" >/dev/null || { echo "apt-get install ${missing[*]} failed"; exit 1; }
    CHROMIUM=${CHROMIUM_PATH:-$(command -v chromium || true)}
    PG_BIN=$(find_pg_bin)
  else
    echo "Missing: ${missing[*]}. Install them first: sudo apt-get install -y ${missing[*]}"
    exit 1
  fi
fi
export CHROMIUM_PATH=$CHROMIUM

# Redocly's CLI, pinned by tools/redocly/package-lock.json, in that folder's node_modules (ignored by git):
# installed once, again only when the lock file changes.
REDOCLY="$ROOT/tools/redocly"
if [ ! -f "$REDOCLY/node_modules/.installed-lock.json" ] || ! cmp -s "$REDOCLY/package-lock.json" "$REDOCLY/node_modules/.installed-lock.json"; then
  log "Installing Redocly CLI (tools/redocly)"
  (cd "$REDOCLY" && npm ci --no-audit --no-fund --ignore-scripts >/dev/null && cp package-lock.json node_modules/.installed-lock.json) \
    || { echo "npm ci in tools/redocly failed"; exit 1; }
fi

# ---------- 2. a throwaway PostgreSQL cluster on a free loopback port ----------
PG_DIR=$(mktemp -d /tmp/scheduling-pg.XXXXXX)
free_port() {
  local port
  for _ in $(seq 1 50); do
    port=$(( (RANDOM % 20000) + 20000 ))
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || { echo "$port"; return 0; }
  done
  return 1
}
PG_PORT=$(free_port) || { echo "No free port for PostgreSQL"; exit 1; }
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
[ "$(id -u)" = 0 ] && chown postgres "$PG_DIR"
stop_pg() { as_pg "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast stop >/dev/null 2>&1; rm -rf "$PG_DIR"; }
trap stop_pg EXIT

log "Starting PostgreSQL ($PG_BIN) on 127.0.0.1:$PG_PORT"
as_pg "$PG_BIN/initdb" -D "$PG_DIR/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$PG_DIR/initdb.log" 2>&1 \
  || { cat "$PG_DIR/initdb.log"; exit 1; }
as_pg "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 60 \
  -o "-p $PG_PORT -k $PG_DIR -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" start >/dev/null \
  || { cat "$PG_DIR/server.log"; exit 1; }
export SCHEDULING_TEST_POSTGRES="Host=127.0.0.1;Port=$PG_PORT;Username=postgres;Pooling=true;Maximum Pool Size=50"

# ---------- 3. one build, and the Dockerfile's publish step on it, so a broken image build shows here ----------
# (No Docker engine in CI.) The publish reuses the tests' build instead of compiling everything again in Release:
# what breaks a publish (content, static web assets, the runtime config) does not depend on the configuration, and
# the second compile cost a minute and a half of the CI machine's time (docs/performance.md, "Test suite time").
# `-c Debug` names the build's configuration: publish defaults to Release.
log "Building the solution"
BUILD_LOG=$(mktemp /tmp/scheduling-build.XXXXXX)
dotnet build Scheduling.Web.sln --nologo -v quiet >"$BUILD_LOG" 2>&1 || { cat "$BUILD_LOG"; echo "0 passed, 1 failed"; exit 1; }
rm -f "$BUILD_LOG"
log "Publishing as the Dockerfile does (its publish step, on this build)"
PUBLISH_DIR=$(mktemp -d /tmp/scheduling-publish.XXXXXX)
dotnet publish src/Scheduling.Web/Scheduling.Web.csproj -c Debug --no-build -o "$PUBLISH_DIR" -p:UseAppHost=false --nologo -v quiet >"$PUBLISH_DIR.log" 2>&1 \
  || { cat "$PUBLISH_DIR.log"; echo "0 passed, 1 failed"; exit 1; }
[ -f "$PUBLISH_DIR/Scheduling.Web.dll" ] && [ -d "$PUBLISH_DIR/wwwroot" ] \
  || { ls "$PUBLISH_DIR"; echo "The publish output has no Scheduling.Web.dll or wwwroot"; echo "0 passed, 1 failed"; exit 1; }
rm -rf "$PUBLISH_DIR" "$PUBLISH_DIR.log"

# ---------- 4. the tests ----------
RESULTS="$ROOT/TestResults"
rm -rf "$RESULTS"
log "Running dotnet test"
# One project after another: on the solution, `dotnet test --no-build` starts them all at once, and side by side they
# want more than two cores (docs/performance.md, "Test suite time").
status=0
for project in tests/*/*.csproj; do
  dotnet test "$project" --no-build --nologo --logger "trx;LogFileName=$(basename "$project" .csproj).trx" \
    --logger "console;verbosity=normal" --results-directory "$RESULTS" --blame-hang --blame-hang-timeout 10m || status=1
done

# The plain summary line CI reads, summed over the TRX files of every test project.
read -r passed failed skipped < <(
  cat "$RESULTS"/*.trx 2>/dev/null | grep -o '<Counters [^>]*>' | awk '
    { for (i = 1; i <= NF; i++) { split($i, kv, "="); gsub(/"/, "", kv[2]); c[kv[1]] += kv[2] } }
    END { printf "%d %d %d\n", c["passed"], c["failed"] + c["error"] + c["timeout"] + c["aborted"], c["notExecuted"] }')
# CI shows only the end of the output: repeat each failed test's name and the head of its message here.
if [ "${failed:-0}" -ne 0 ]; then
  echo
  echo "Failed tests:"
  cat "$RESULTS"/*.trx 2>/dev/null | awk '
    /<UnitTestResult / && /outcome="(Failed|Error|Timeout|Aborted)"/ {
      match($0, /testName="[^"]*"/); name = substr($0, RSTART + 10, RLENGTH - 11)
      gsub(/&quot;/, "\"", name); gsub(/&amp;/, "\\&", name); print "  - " name; inside = 1; lines = 0; next }
    inside && /<\/UnitTestResult>/ { inside = 0; msg = 0; next }
    inside && /<Message>/ { msg = 1 }
    inside && msg && lines < 12 { line = $0; sub(/^[ \t]+/, "", line); gsub(/<\/?Message>/, "", line); gsub(/&lt;/, "<", line); gsub(/&gt;/, ">", line);
      gsub(/&quot;/, "\"", line); gsub(/&amp;/, "\\&", line); print "      " line; lines++ }
    inside && /<\/Message>/ { msg = 0 }'
fi
echo
echo "${passed:-0} passed, ${failed:-0} failed, ${skipped:-0} skipped"
if [ "$status" -ne 0 ] || [ "${failed:-0}" -ne 0 ] || [ "${passed:-0}" -eq 0 ]; then
  exit 1
fi
