#!/usr/bin/env bash
# The web bench's matrix (issue 11 item 5): benchmarks/web_bench.sh once per row, always with the projection
# worker (--follow), then one markdown table.
#
#   SQLite      1, 2 and 4 serve processes, 20 clients
#   PostgreSQL  1, 2 and 4 serve processes, 20 clients
#   PostgreSQL  1, 2 and 4 serve processes, 50 clients, with a concurrent import (--with-import)
#
# Goal per row: p95 <= 100 ms (<= 300 ms with the import), zero errors, the import succeeds, and the worker stays
# up and catches up (web_bench.sh's own check). The load average (1, 5, 15 min) is read before and after each row.
# A row whose processes did not all serve says so, e.g. "4 (2 busy)": wrk's connections stay with the process that
# accepted them (the row's log gives each process's CPU seconds).
#
# Usage: benchmarks/web_bench_matrix.sh [--scale F] [--duration S] [--logs DIR] [-- WEB_BENCH_OPTIONS...]
#   --scale F      passed to web_bench.sh (default 1.0, national scale: 5,000 institutions, 1M events)
#   --duration S   seconds of load per row (default 60)
#   --logs DIR     where each row's full output is kept (default: a new /tmp/careerhub-web-bench-matrix.*)
#   after --        more options for every web_bench.sh run, e.g. -- --threads 8
# The histories are web_bench.sh's cached ones (generated on first use, which is slow at scale 1.0).
# Exit status 0 when every row met its goal, 1 when some row missed it, 2 when a row did not run to the end
# (no machine-readable line from web_bench.sh: its log says why) or the options are wrong.
set -euo pipefail
cd "$(dirname "$0")/.."

SCALE=1.0 DURATION=60 LOGS="" EXTRA=()
while (($#)); do
  case "$1" in
    --scale) SCALE=$2; shift 2 ;;
    --duration) DURATION=$2; shift 2 ;;
    --logs) LOGS=$2; shift 2 ;;
    --) shift; EXTRA=("$@"); break ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
[[ $DURATION =~ ^[1-9][0-9]*$ ]] || { echo "--duration: a positive integer" >&2; exit 2; }
[[ $SCALE =~ ^[0-9]*\.?[0-9]+$ ]] || { echo "--scale: a number such as 0.05 or 1.0" >&2; exit 2; }
if [[ -n $LOGS ]]; then mkdir -p "$LOGS"; else LOGS=$(mktemp -d /tmp/careerhub-web-bench-matrix.XXXXXX); fi
trap 'exit 130' INT TERM

# backend, serve processes, clients, import
ROWS=(
  "sqlite 1 20 0" "sqlite 2 20 0" "sqlite 4 20 0"
  "postgres 1 20 0" "postgres 2 20 0" "postgres 4 20 0"
  "postgres 1 50 1" "postgres 2 50 1" "postgres 4 50 1"
)
field() { tr ' ' '\n' <<<"$1" | sed -n "s/^$2=//p"; }
load() { cut -d' ' -f1-3 /proc/loadavg; }
say() { printf '%s\n' "$*" >&2; }

TABLE=() MISSED=0 BROKEN=0 EVENTS="?" START=$(date '+%F %H:%M')
say "web bench matrix: scale $SCALE, $DURATION s per row, ${#ROWS[@]} rows; logs in $LOGS"
for i in "${!ROWS[@]}"; do
  read -r backend processes clients import <<<"${ROWS[$i]}"
  args=(--scale "$SCALE" --duration "$DURATION" --workers "$processes" --follow --clients "$clients")
  [[ $backend == postgres ]] && args+=(--postgres)
  ((import)) && args+=(--with-import)
  log=$LOGS/$((i + 1))-$backend-$processes-processes-$clients-clients$( ((import)) && echo -import || true).log
  before=$(load) t0=$SECONDS status=0
  say "[$((i + 1))/${#ROWS[@]}] web_bench.sh ${args[*]} ${EXTRA[*]} (load $before)"
  benchmarks/web_bench.sh "${args[@]}" "${EXTRA[@]}" >"$log" 2>&1 || status=$?
  ((status == 130 || status == 143)) && exit "$status"
  after=$(load)
  r=$(grep '^WEB_BENCH ' "$log" | tail -1 | cut -d' ' -f2-) || true
  if [[ -z $r ]]; then
    BROKEN=1
    say "    did not run to the end (exit $status): $(grep -v '^ *$' "$log" | tail -1)"
    TABLE+=("| $( [[ $backend == sqlite ]] && echo SQLite || echo PostgreSQL) | $processes | yes | $( ((import)) && echo yes || echo no) | $clients | – | – | – | – | – | – | $before → $after | **did not run** (exit $status, $(basename "$log")) |")
    continue
  fi
  EVENTS=$(field "$r" events)
  goal=$( ((import)) && echo 300 || echo 100)
  met=$(awk -v p="$(field "$r" p95_ms)" -v g="$goal" -v e="$(field "$r" errors)" -v i="$(field "$r" import_ok)" \
    -v w="$(field "$r" worker_ok)" 'BEGIN {print (p <= g && e == 0 && i == 1 && w == 1) ? "met" : "**MISSED**"}')
  [[ $met == met ]] || MISSED=1
  worker=$( (($(field "$r" worker_ok))) && echo yes || echo "yes, **failed**")
  import_ok=$( ((!import)) && echo – || { (($(field "$r" import_ok))) && echo "ok, $(field "$r" import_s) s" || echo "**FAILED**"; })
  TABLE+=("$(printf '| %s | %s | %s | %s | %s | %.1f | %.1f | %.1f | %.1f | %s | %s | %s → %s | %s |' \
    "$(field "$r" backend)" "$processes$( (($(field "$r" busy_processes) < processes)) && echo " ($(field "$r" busy_processes) busy)" || true)" "$worker" "$( ((import)) && echo yes || echo no)" "$clients" \
    "$(field "$r" rps)" "$(field "$r" p50_ms)" "$(field "$r" p95_ms)" "$(field "$r" p99_ms)" "$(field "$r" errors)" \
    "$import_ok" "$before" "$after" "$met (p95 ≤ $goal)")")
  say "    $(field "$r" rps) req/s, p95 $(field "$r" p95_ms) ms, $(field "$r" errors) errors: $met ($((SECONDS - t0)) s)"
done

echo
echo "web bench matrix, $START–$(date '+%H:%M'), commit $(git rev-parse --short HEAD), scale $SCALE ($EVENTS events)," \
  "$DURATION s of load per row, $(nproc) cores${EXTRA[*]:+, web_bench.sh options: ${EXTRA[*]}}"
echo
echo "| backend | processes | worker | import | clients | req/s | p50 ms | p95 ms | p99 ms | errors | import ok | load avg before → after | goal |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|"
printf '%s\n' "${TABLE[@]}"
echo
echo "logs: $LOGS"
if ((BROKEN)); then exit 2; fi
((!MISSED))
