#!/usr/bin/env bash
# Web load benchmark: the hub lead's dashboard partial (the htmx fragment) under concurrent clients.
#
# Generates (or reuses) report_bench's national-scale history, creates a hub_lead user, serves careerhub on
# 127.0.0.1 (`careerhub serve --workers N`: N gunicorn processes; with --follow, the projection worker
# `careerhub projections run` keeps the read model caught up and requests leave it to it), signs in with curl
# (CSRF token from the sign-in form, cookie jar kept), then runs wrk against GET /dashboard/hub00?as_of=DAY
# (HX-Request: true, the session cookie) and prints requests/s, p50/p95/p99 latency and errors.
# Goal: p95 <= 100 ms and zero errors; with --with-import, the import succeeds; with --follow, the worker stays up
# and has applied every event within 300 s of the end of the load.
# A single-client run first (also the warm-up) is the baseline: the main run's percentiles are quoted against it,
# since wrk shares the machine's cores with the server.
#
# Usage: benchmarks/web_bench.sh [--scale FRACTION] [--postgres] [--clients N] [--duration S] [--with-import]
#                                [--threads N] [--workers N] [--follow] [--profile] [--fresh] [--file-rows N]
#   --scale F      fraction of the national scale passed to report_bench's generator (default 1.0; 0.05 = smoke)
#   --postgres     store in a PostgreSQL server started here on a free loopback port (stopped at the end)
#   --clients N    wrk connections (default 20)          --duration S   seconds of load (default 30)
#   --with-import  while wrk runs, `careerhub import assessments` of a generated file (a new term for every
#                  institution) runs in the background; its success and time are reported
#   --threads N    threads per serve process (default: careerhub serve's own default)
#   --workers N    serve processes: `careerhub serve --workers N` (default 1; gunicorn gthread)
#   --follow       run the projection worker (`careerhub projections run`) in the background for the whole run
#                  and serve with --worker-follows; the import (--with-import) leaves catching up to it too
#   --profile      afterwards, cProfile the same request in-process (web_bench_setup.py profile)
#   --fresh        generate the history again even if cached (do so after changes to the importer or read model)
#   --file-rows N  rows per generated import file (default 50,000 as report_bench; 5,000 on PostgreSQL, where
#                  importing a 50,000-row file hung in psycopg's pipeline: client in Pipeline.sync, server in
#                  ClientRead, both idle)
# Generated histories are cached in ${CAREERHUB_BENCH_CACHE:-~/.cache/careerhub-web-bench} (a SQLite file, or a
# PostgreSQL data directory as a tar) and copied for each run, so the cache stays as generated.
# Exit status 0 when every goal is met, 1 otherwise. One line of stdout, after the summary, is machine-readable:
# `WEB_BENCH key=value ...` (web_bench_matrix.sh reads it); it is missing when the run itself failed.
# Example (the trust issue's run): benchmarks/web_bench.sh --postgres --clients 50 --duration 60 --with-import
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

SCALE=1.0 POSTGRES=0 CLIENTS=20 DURATION=30 WITH_IMPORT=0 THREADS="" PROFILE=0 FILE_ROWS="" FRESH=0 WORKERS=1 FOLLOW=0
SEED=1 HUB=hub00 LEAD=bench-lead GOAL_P95_MS=100 BASELINE_SECONDS=5
while (($#)); do
  case "$1" in
    --scale) SCALE=$2; shift 2 ;;
    --postgres) POSTGRES=1; shift ;;
    --clients) CLIENTS=$2; shift 2 ;;
    --duration) DURATION=$2; shift 2 ;;
    --with-import) WITH_IMPORT=1; shift ;;
    --threads) THREADS=$2; shift 2 ;;
    --workers) WORKERS=$2; shift 2 ;;
    --follow) FOLLOW=1; shift ;;
    --file-rows) FILE_ROWS=$2; shift 2 ;;
    --profile) PROFILE=1; shift ;;
    --fresh) FRESH=1; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
[[ $CLIENTS =~ ^[1-9][0-9]*$ && $DURATION =~ ^[1-9][0-9]*$ && $WORKERS =~ ^[1-9][0-9]*$ ]] \
  || { echo "--clients, --duration and --workers: positive integers" >&2; exit 2; }
[[ $SCALE =~ ^[0-9]*\.?[0-9]+$ ]] || { echo "--scale: a number such as 0.05 or 1.0" >&2; exit 2; }
SCALE=$(printf '%s' "$SCALE" | awk '{printf "%g", $1}')
FILE_ROWS=${FILE_ROWS:-$( ((POSTGRES)) && echo 5000 || echo 50000)}
[[ $FILE_ROWS =~ ^[1-9][0-9]*$ ]] || { echo "--file-rows: a positive integer" >&2; exit 2; }

PY=$ROOT/.venv/bin/python CAREERHUB=$ROOT/.venv/bin/careerhub
[[ -x $CAREERHUB ]] || { echo "no $CAREERHUB: run 'make setup' first" >&2; exit 1; }
[[ -d web/static/vendor ]] || make setup
command -v wrk >/dev/null || { echo "installing wrk (Debian)" >&2; apt-get install -y -qq wrk >/dev/null; }
export CAREERHUB_SECRET_KEY=$("$PY" -c 'import secrets; print(secrets.token_hex(32))')

WORK=$(mktemp -d /tmp/careerhub-web-bench.XXXXXX)
SERVER_PID="" IMPORT_PID="" WORKER_PID="" PG_BIN="" PG_DATA=""
cleanup() {
  local status=$?
  trap - EXIT INT TERM
  [[ -n $IMPORT_PID ]] && kill "$IMPORT_PID" 2>/dev/null && wait "$IMPORT_PID" 2>/dev/null
  if [[ -n $SERVER_PID ]] && kill "$SERVER_PID" 2>/dev/null; then wait "$SERVER_PID" 2>/dev/null || true; fi
  if [[ -n $WORKER_PID ]] && kill "$WORKER_PID" 2>/dev/null; then wait "$WORKER_PID" 2>/dev/null || true; fi
  if [[ -n $PG_DATA && -f $PG_DATA/postmaster.pid ]]; then
    as_postgres "$PG_BIN/pg_ctl" -D "$PG_DATA" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$WORK"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() { "$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
as_postgres() { if ((EUID == 0)); then runuser -u postgres -- "$@"; else "$@"; fi; }
say() { printf '%s\n' "$*" >&2; }
elapsed() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN {printf "%.1f", b - a}'; }

# --- the store ---------------------------------------------------------------------------------------------
generate() {  # $1: database URL, $2: log file
  local t0; t0=$(date +%s.%N)
  say "generating report_bench's history at scale $SCALE (progress: $2)"
  if ! "$PY" benchmarks/web_bench_setup.py generate --scale "$SCALE" --seed "$SEED" --file-rows "$FILE_ROWS" \
      --database-url "$1" \
      >"$2.out" 2>"$2"; then
    tail -5 "$2" >&2; return 1
  fi
  say "  $(cat "$2.out") — $(elapsed "$t0") s"
}

CACHE=${CAREERHUB_BENCH_CACHE:-$HOME/.cache/careerhub-web-bench}
mkdir -p "$CACHE"
pg_start() {  # extra server options: "$@"
  as_postgres "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$WORK/pgsock/server.log" -w -t 120 -o "-k $WORK/pgsock -p $PG_PORT \
    -c listen_addresses=127.0.0.1 -c max_connections=200 $*" start >/dev/null || { cat "$WORK/pgsock/server.log" >&2; exit 1; }
}
pg_sql() { as_postgres "$PG_BIN/psql" -h "$WORK/pgsock" -p "$PG_PORT" -U postgres -q -v ON_ERROR_STOP=1 -c "$1" postgres; }

if ((POSTGRES)); then
  PG_BIN=$( (ls -d /usr/lib/postgresql/*/bin 2>/dev/null || true) | sort -V | tail -1)
  [[ -x $PG_BIN/pg_ctl ]] || { echo "PostgreSQL is not installed: apt-get install -y postgresql" >&2; exit 1; }
  PG_VERSION=$("$PG_BIN/postgres" --version | awk '{print $3}')
  PG_DATA=$WORK/pg PG_PORT=$(free_port) PG_PASSWORD=$("$PY" -c 'import secrets; print(secrets.token_hex(16))')
  # a cached data directory (tar) of the loaded history, per PostgreSQL major version
  CACHED=$CACHE/pgdata-scale-$SCALE-seed-$SEED-rows-$FILE_ROWS-pg${PG_VERSION%%.*}.tar
  mkdir -p "$PG_DATA" "$WORK/pgsock"
  ((EUID == 0)) && chown postgres "$PG_DATA" "$WORK/pgsock" && chmod 755 "$WORK"
  if [[ -f $CACHED ]] && ((!FRESH)); then
    say "reusing the generated history $CACHED (made $(date -r "$CACHED" '+%F %H:%M'); --fresh makes it again)"
    tar -xf "$CACHED" -C "$PG_DATA"
    ((EUID == 0)) && chown -R postgres "$PG_DATA"
  else
    printf '%s\n' "$PG_PASSWORD" >"$WORK/pgsock/pgpass"
    ((EUID == 0)) && chown postgres "$WORK/pgsock/pgpass"
    as_postgres "$PG_BIN/initdb" -D "$PG_DATA" -U postgres --pwfile "$WORK/pgsock/pgpass" --auth-local=trust \
      --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 --no-sync >"$WORK/initdb.log" 2>&1 \
      || { cat "$WORK/initdb.log" >&2; exit 1; }
    # loading only: no fsync (the cache is written after a clean stop)
    pg_start -c fsync=off -c synchronous_commit=off -c full_page_writes=off
    pg_sql "CREATE DATABASE careerhub"
    generate "postgresql://postgres:$PG_PASSWORD@127.0.0.1:$PG_PORT/careerhub" "$CACHE/generate-pg-scale-$SCALE-rows-$FILE_ROWS.log"
    as_postgres "$PG_BIN/pg_ctl" -D "$PG_DATA" -m fast -w stop >/dev/null
    say "caching the loaded data directory in $CACHED"
    tar -cf "$CACHED.partial" -C "$PG_DATA" . && mv "$CACHED.partial" "$CACHED"
  fi
  pg_start  # the measured server: PostgreSQL's own durability settings
  pg_sql "ALTER USER postgres PASSWORD '$PG_PASSWORD'" >/dev/null
  DATABASE_URL="postgresql://postgres:$PG_PASSWORD@127.0.0.1:$PG_PORT/careerhub"
  say "PostgreSQL $PG_VERSION on 127.0.0.1:$PG_PORT"
  BACKEND="PostgreSQL"
else
  CACHED=$CACHE/history-scale-$SCALE-seed-$SEED-rows-$FILE_ROWS.sqlite3
  if [[ -f $CACHED ]] && ((!FRESH)); then
    say "reusing the generated history $CACHED (made $(date -r "$CACHED" '+%F %H:%M'); --fresh makes it again)"
  else
    PARTIAL=$CACHE/.generating-$$-$(basename "$CACHED")
    rm -f "$PARTIAL"*
    generate "sqlite:///$PARTIAL" "$CACHE/generate-scale-$SCALE-rows-$FILE_ROWS.log" || { rm -f "$PARTIAL"*; exit 1; }
    mv "$PARTIAL" "$CACHED"  # only a whole history is ever reused
  fi
  cp "$CACHED" "$WORK/store.sqlite3"  # each run writes (a user, sign-ins, the import): the cache stays as made
  DATABASE_URL="sqlite:///$WORK/store.sqlite3"
  BACKEND="SQLite"
fi
# A store cached by an older careerhub whose read-model tables differ: rebuilt once here, and the cache refreshed.
if [[ $("$PY" benchmarks/web_bench_setup.py ready --database-url "$DATABASE_URL") == rebuilt ]]; then
  say "the cached store's read model was rebuilt for this careerhub's tables; refreshing $CACHED"
  if ((POSTGRES)); then
    as_postgres "$PG_BIN/pg_ctl" -D "$PG_DATA" -m fast -w stop >/dev/null
    tar -cf "$CACHED.partial" -C "$PG_DATA" . && mv "$CACHED.partial" "$CACHED"
    pg_start
  else
    "$PY" -c 'import sqlite3, sys; sqlite3.connect(sys.argv[1]).execute("PRAGMA wal_checkpoint(TRUNCATE)")' "$WORK/store.sqlite3"
    cp "$WORK/store.sqlite3" "$CACHED.partial" && mv "$CACHED.partial" "$CACHED"
  fi
fi
export CAREERHUB_DATABASE_URL=$DATABASE_URL CAREERHUB_ACTOR=web-bench

# --- a hub lead, the server, sign-in -----------------------------------------------------------------------
PASSWORD=$("$PY" -c 'import secrets; print(secrets.token_urlsafe(18))')
printf '%s' "$PASSWORD" >"$WORK/password"  # curl posts the file as it is: no newline
printf '%s\n' "$PASSWORD" | "$CAREERHUB" users add "$LEAD" --role hub_lead --hub "$HUB" --password-stdin >&2

if ((FOLLOW)); then  # the projection worker, as deployed beside the web processes
  "$CAREERHUB" projections run >"$WORK/worker.log" 2>&1 &
  WORKER_PID=$!
  for _ in $(seq 300); do
    grep -q 'following the log' "$WORK/worker.log" && break
    kill -0 "$WORKER_PID" 2>/dev/null || { cat "$WORK/worker.log" >&2; exit 1; }
    sleep 0.2
  done
  say "projection worker: $(grep -m1 -o 'following the log.*' "$WORK/worker.log")"
fi

PORT=$(free_port) BASE=""
BASE=http://127.0.0.1:$PORT
SERVE=(--host 127.0.0.1 --port "$PORT" --workers "$WORKERS")
[[ -n $THREADS ]] && SERVE+=(--threads "$THREADS")
((FOLLOW)) && SERVE+=(--worker-follows)
"$CAREERHUB" serve "${SERVE[@]}" >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 300); do
  curl -s -o /dev/null "$BASE/auth/sign-in" && break
  kill -0 "$SERVER_PID" 2>/dev/null || { cat "$WORK/server.log" >&2; exit 1; }
  sleep 0.2
done

JAR=$WORK/cookies.txt
TOKEN=$(curl -sS -c "$JAR" -b "$JAR" "$BASE/auth/sign-in" | sed -n 's/.*name="csrf_token" value="\([^"]*\)".*/\1/p' | head -1)
[[ -n $TOKEN ]] || { echo "no csrf_token on the sign-in form" >&2; exit 1; }
STATUS=$(curl -sS -o "$WORK/sign-in.html" -w '%{http_code}' -c "$JAR" -b "$JAR" "$BASE/auth/sign-in" \
  --data-urlencode "csrf_token=$TOKEN" --data-urlencode "name=$LEAD" --data-urlencode "password@$WORK/password")
[[ $STATUS == 302 ]] || { echo "sign-in answered $STATUS, not a redirect" >&2; exit 1; }
COOKIE=$(awk -F'\t' '$6 == "session" {print "session=" $7}' "$JAR" | tail -1)
[[ -n $COOKIE ]] || { echo "no session cookie after sign-in" >&2; exit 1; }
PROBE=$(curl -sS -o "$WORK/probe.html" -w '%{http_code}' -H "HX-Request: true" -b "$JAR" "$BASE/dashboard/$HUB?as_of=2019-03-15")
if [[ $PROBE != 200 ]] || grep -q '<html' "$WORK/probe.html"; then
  echo "the dashboard partial answered $PROBE (or a full page) to a signed-in htmx request" >&2; exit 1
fi
if ((WORKERS > 1)); then  # the cookie holds in every process (one signing key): 4 x N requests, 2 x N at a time
  seq $((4 * WORKERS)) | xargs -P $((2 * WORKERS)) -I{} curl -sS -o "$WORK/probe-{}.html" -w '%{http_code}\n' \
    -H "HX-Request: true" -b "$JAR" "$BASE/dashboard/$HUB?as_of=2019-03-15" >"$WORK/probes.txt"
  if grep -qv '^200$' "$WORK/probes.txt" || grep -lq '<html' "$WORK"/probe-*.html; then
    echo "with $WORKERS processes, some signed-in requests were refused (or answered a full page):" \
      "$(sort "$WORK/probes.txt" | uniq -c | tr '\n' ' ')" >&2; exit 1
  fi
fi
say "signed in as $LEAD (hub_lead, $HUB); the partial answers 200 with a fragment of $(wc -c <"$WORK/probe.html") bytes"

# --- load ----------------------------------------------------------------------------------------------------
run_wrk() {  # $1 clients, $2 seconds, $3 output file
  local threads=$(($1 < 2 ? $1 : 2))
  wrk -t"$threads" -c"$1" -d"$2s" --timeout 30s -s benchmarks/wrk_dashboard.lua "$BASE" -- "$COOKIE" "$HUB" >"$3" 2>&1 \
    || { cat "$3" >&2; return 1; }
  grep '^RESULT ' "$3" | tail -1 | cut -d' ' -f2-
}
field() { tr ' ' '\n' <<<"$1" | sed -n "s/^$2=//p"; }
serve_pids() { { pgrep -P "$SERVER_PID" || true; } | sort -n; }  # gunicorn's workers, children of its master
cpu_seconds() {  # "PID=SECONDS ..." of CPU (user + system) so far, for each serve process and the worker
  local pid
  for pid in $(serve_pids) $WORKER_PID; do
    sed 's/.*) //' "/proc/$pid/stat" 2>/dev/null | awk -v p="$pid" -v hz="$(getconf CLK_TCK)" '{printf "%s=%.1f ", p, ($12 + $13) / hz}'
  done
}

say "baseline: 1 client for ${BASELINE_SECONDS} s (also the warm-up)"
BASELINE=$(run_wrk 1 "$BASELINE_SECONDS" "$WORK/wrk-baseline.txt")

if ((WITH_IMPORT)); then
  "$PY" benchmarks/web_bench_setup.py assessments --scale "$SCALE" --seed "$SEED" --out "$WORK/assessments.csv" >&2
  (
    sleep $((DURATION / 5))  # into the load, so the import and the requests overlap
    start=$(date +%s.%N) status=0
    # with the worker, the import records and leaves the read model to it, as the web processes do
    CAREERHUB_PROJECTION_WORKER=$FOLLOW "$CAREERHUB" import assessments "$WORK/assessments.csv" \
      --reason "web bench: import under load" >"$WORK/import.out" 2>"$WORK/import.err" &
    child=$!
    trap 'kill "$child" 2>/dev/null; exit 143' TERM
    wait "$child" || status=$?
    awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN {printf "%.1f", b - a}' >"$WORK/import.seconds"
    exit "$status"
  ) &
  IMPORT_PID=$!
fi

say "load: $CLIENTS clients for $DURATION s against $BASE/dashboard/$HUB?as_of=DAY (HX-Request, signed in)"
CPU_BEFORE=$(cpu_seconds) SERVE_PIDS=$(serve_pids)
MAIN=$(run_wrk "$CLIENTS" "$DURATION" "$WORK/wrk-main.txt")
CPU_AFTER=$(cpu_seconds)

IMPORT_LINE="" IMPORT_OK=1
if ((WITH_IMPORT)); then
  if kill -0 "$IMPORT_PID" 2>/dev/null; then say "the import outlasted the load: waiting for it (at most 600 s)"; fi
  for _ in $(seq 600); do kill -0 "$IMPORT_PID" 2>/dev/null || break; sleep 1; done
  kill "$IMPORT_PID" 2>/dev/null && echo "killed after 600 s" >>"$WORK/import.err"
  if wait "$IMPORT_PID"; then
    IMPORT_LINE="ok in $(cat "$WORK/import.seconds") s: $(tail -1 "$WORK/import.out" | sed "s|$WORK/||")"
  else
    IMPORT_OK=0 IMPORT_LINE="FAILED: $(tail -3 "$WORK/import.err" "$WORK/import.out" 2>/dev/null | tr '\n' ' ')"
  fi
  IMPORT_PID=""
fi

# --- report --------------------------------------------------------------------------------------------------
P95=$(field "$MAIN" p95_ms) ERRORS=$(field "$MAIN" errors)
verdict() { if (($1)); then echo ok; else echo MISSED; fi; }
P95_OK=$(awk -v p="$P95" -v g="$GOAL_P95_MS" 'BEGIN {print (p <= g) ? 1 : 0}')
ratio() { awk -v a="$(field "$MAIN" "$1")" -v b="$(field "$BASELINE" "$1")" 'BEGIN {printf "x%.1f", (b > 0) ? a / b : 0}'; }
WORKER_OK=1 WORKER_LINE=""
if ((FOLLOW)); then
  if kill -0 "$WORKER_PID" 2>/dev/null; then WORKER_LINE="running"; else WORKER_OK=0 WORKER_LINE="DIED (its log is below)"; fi
fi
# The events in the log; with the worker, how far it had got and how long it took to apply the rest (at most 300 s).
read -r EVENTS EVENTS_SAID APPLIED CATCH_UP < <(CAREERHUB_PROJECTION_WORKER=1 FOLLOW=$((FOLLOW && WORKER_OK)) "$PY" - <<'EOF'
import os, time
from config.settings import load_settings
from service.hub import HubService
service = HubService(load_settings())
last, applied, start = service.app.last_position(), service.projector.position(), time.monotonic()
while os.environ["FOLLOW"] == "1" and service.projector.position() < last and time.monotonic() - start < 300:
    time.sleep(0.1)
caught_up = service.projector.position() >= last
print(last, f"{last:,}", applied, f"{time.monotonic() - start:.1f}" if caught_up else "-")
service.close()
EOF
)
if ((!FOLLOW)); then CATCH_UP=-; else
  WORKER_LINE+="; during the run it applied $(awk -F'[()]' '/applied log positions/ {split($2, n, " "); e += n[1]; b++}
    END {printf "%d event(s) in %d batch(es)", e, b}' "$WORK/worker.log")"
  WORKER_LINE+="; it had applied log position $APPLIED of $EVENTS when the load$( ((WITH_IMPORT)) && echo " and the import" || true) had ended, "
  if [[ $CATCH_UP == - ]]; then WORKER_OK=0 WORKER_LINE+="and was still behind 300 s later"; else WORKER_LINE+="the rest in $CATCH_UP s"; fi
fi
cpu_used() {  # $1: a PID; the CPU seconds it used during the load
  awk -v p="$1" -v a="$CPU_BEFORE" -v b="$CPU_AFTER" 'BEGIN {
    n = split(a, x, " "); for (i = 1; i <= n; i++) { split(x[i], kv, "="); before[kv[1]] = kv[2] }
    n = split(b, x, " "); for (i = 1; i <= n; i++) { split(x[i], kv, "="); if (kv[1] == p) printf "%.1f", kv[2] - before[p] } }'
}
SERVE_CPU="" RESTARTED=""
for pid in $SERVE_PIDS; do SERVE_CPU+=" $(cpu_used "$pid")"; done
# busy: a serve process that used at least a tenth of the busiest one's CPU (wrk's connections stay where they land)
BUSY=$(awk '{for (i = 1; i <= NF; i++) if ($i > max) max = $i; for (i = 1; i <= NF; i++) n += ($i >= max / 10 && max > 0)
  print n + 0}' <<<"$SERVE_CPU")
[[ $(serve_pids | tr '\n' ' ') == $(tr '\n' ' ' <<<"$SERVE_PIDS") ]] || RESTARTED=" (a serve process was restarted: server.log is below)"
if ((WORKERS > 1)); then SERVING="$WORKERS gunicorn gthread processes"; else SERVING="1 gunicorn gthread process"; fi
echo
echo "web bench: $BACKEND, scale $SCALE ($EVENTS_SAID events), dashboard partial of $HUB, $SERVING" \
  "x ${THREADS:-default} threads, projection worker: $( ((FOLLOW)) && echo yes || echo no)"
printf '  %-22s %10s %9s %9s %9s %7s\n' run "req/s" "p50 ms" "p95 ms" "p99 ms" errors
for row in "1 client, ${BASELINE_SECONDS} s|$BASELINE" "$CLIENTS clients, $DURATION s|$MAIN"; do
  r=${row#*|}
  printf '  %-22s %10.1f %9.1f %9.1f %9.1f %7d\n' "${row%%|*}" "$(field "$r" rps)" "$(field "$r" p50_ms)" \
    "$(field "$r" p95_ms)" "$(field "$r" p99_ms)" "$(field "$r" errors)"
done
echo "  under load / 1 client: p50 $(ratio p50_ms), p95 $(ratio p95_ms); req/s $(ratio rps) (wrk shares the cores)"
FIRST_BAD=$(field "$MAIN" first_bad_status)
echo "  errors: $(field "$MAIN" non_2xx) non-2xx$( ((FIRST_BAD)) && echo " (the first: $FIRST_BAD)"), $(field "$MAIN" full_pages) full pages," \
  "$(field "$MAIN" socket_errors) socket errors/timeouts; requests $(field "$MAIN" requests)"
echo "  CPU seconds during the load: serve process(es)$SERVE_CPU ($BUSY of $WORKERS busy)$RESTARTED$( ((FOLLOW)) && echo ", worker $(cpu_used "$WORKER_PID")")"
((WITH_IMPORT)) && echo "  concurrent import of $(($(wc -l <"$WORK/assessments.csv") - 1)) assessment rows: $IMPORT_LINE"
((FOLLOW)) && echo "  projection worker: $WORKER_LINE"
echo "  goals: p95 <= $GOAL_P95_MS ms $(verdict "$P95_OK"); zero errors $(verdict $((ERRORS == 0)))$( ((WITH_IMPORT)) \
  && echo "; the import succeeded $(verdict "$IMPORT_OK")")$( ((FOLLOW)) && echo "; the worker kept up $(verdict "$WORKER_OK")")"
if ((!WORKER_OK)) || [[ -n $RESTARTED ]]; then
  tail -n 20 "$WORK/worker.log" "$WORK/server.log" 2>/dev/null | sed 's/^/    /' >&2
fi
echo "WEB_BENCH backend=$BACKEND scale=$SCALE events=$EVENTS processes=$WORKERS busy_processes=$BUSY threads=${THREADS:-default}" \
  "worker=$FOLLOW import=$WITH_IMPORT clients=$CLIENTS duration=$DURATION $MAIN import_ok=$IMPORT_OK" \
  "import_s=$(cat "$WORK/import.seconds" 2>/dev/null || echo -) worker_ok=$WORKER_OK worker_catch_up_s=$CATCH_UP" \
  "restarted=$([[ -n $RESTARTED ]] && echo 1 || echo 0) goal_p95_ms=$GOAL_P95_MS p95_ok=$P95_OK"

if ((PROFILE)); then
  kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null || true
  SERVER_PID=""
  echo; echo "profile of the same request in-process (Flask test client, cProfile):"
  "$PY" benchmarks/web_bench_setup.py profile --database-url "$DATABASE_URL" --hub "$HUB" --user "$LEAD" --seed "$SEED"
fi
((P95_OK && ERRORS == 0 && IMPORT_OK && WORKER_OK))
