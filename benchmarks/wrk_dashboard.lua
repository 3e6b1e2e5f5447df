-- wrk script for benchmarks/web_bench.sh: the hub lead's dashboard partial, as htmx asks for it.
--
--   wrk -t2 -c20 -d30s -s benchmarks/wrk_dashboard.lua http://127.0.0.1:PORT -- SESSION_COOKIE HUB_ID
--
-- Each request: GET /dashboard/HUB_ID?as_of=DAY with `HX-Request: true` and the signed-in session cookie,
-- DAY drawn at random from the generated history (2015-09-01 .. 2020-08-31, as report_bench makes it).
-- Errors: every answer that is not 2xx (a 302/401 means the session was lost) and every 2xx that is a full
-- page rather than the fragment (`<html` in the body), plus wrk's socket errors and timeouts (web_bench.sh: 30 s).
-- done() prints one machine-readable line, `RESULT key=value ...`, that web_bench.sh turns into its summary.

local threads = {}

function setup(thread)
  thread:set("thread_number", #threads + 1)
  table.insert(threads, thread)
end

local function history_days()
  local days = {}
  local day = os.time({ year = 2015, month = 9, day = 1, hour = 12 })
  local last = os.time({ year = 2020, month = 8, day = 31, hour = 12 })
  while day <= last do
    table.insert(days, os.date("%Y-%m-%d", day))
    day = day + 86400
  end
  return days
end

function init(args)
  local cookie, hub = args[1], args[2] or "hub00"
  if not cookie or cookie == "" then
    error("usage: wrk ... -s wrk_dashboard.lua URL -- 'session=VALUE' [HUB_ID]")
  end
  wrk.headers["Cookie"] = cookie
  wrk.headers["HX-Request"] = "true"
  wrk.headers["HX-Current-URL"] = "http://" .. (wrk.host or "127.0.0.1") .. "/dashboard/" .. hub
  path_prefix = "/dashboard/" .. hub .. "?as_of="
  days = history_days()
  math.randomseed(7919 * (thread_number or 1))
  non_2xx, full_pages, first_bad_status = 0, 0, 0
end

function request()
  return wrk.format("GET", path_prefix .. days[math.random(#days)])
end

function response(status, headers, body)
  if status < 200 or status > 299 then
    non_2xx = non_2xx + 1
    if first_bad_status == 0 then first_bad_status = status end
  elseif body and string.find(body, "<html", 1, true) then
    full_pages = full_pages + 1
  end
end

function done(summary, latency, requests)
  local non_2xx_total, full_total, bad_status = 0, 0, 0
  for _, thread in ipairs(threads) do
    non_2xx_total = non_2xx_total + (thread:get("non_2xx") or 0)
    full_total = full_total + (thread:get("full_pages") or 0)
    if bad_status == 0 then bad_status = thread:get("first_bad_status") or 0 end
  end
  local e = summary.errors
  local socket = e.connect + e.read + e.write + e.timeout
  local seconds = summary.duration / 1e6
  io.write(string.format(
    "RESULT requests=%d seconds=%.2f rps=%.2f p50_ms=%.2f p95_ms=%.2f p99_ms=%.2f max_ms=%.2f mean_ms=%.2f"
      .. " non_2xx=%d full_pages=%d socket_errors=%d timeouts=%d first_bad_status=%d errors=%d\n",
    summary.requests, seconds, summary.requests / seconds,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000, latency.mean / 1000,
    non_2xx_total, full_total, socket, e.timeout, bad_status, non_2xx_total + full_total + socket))
end
