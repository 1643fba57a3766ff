-- wrk script of the HTTP benchmark (bench/load.py): cycles through prepared requests.
--
--   wrk ... -s bench/requests.lua URL -- REQUESTS_FILE [count]
--
-- REQUESTS_FILE has one request a line: METHOD<TAB>PATH<TAB>COOKIE<TAB>BODY (COOKIE and
-- BODY may be empty). Each thread takes every n-th line from its own start, so with
-- enough lines no two requests of a run are the same (a POST that must write a new row
-- each time). With "count", responses are counted per status class (slower: wrk then
-- hands every response to Lua), for the POSTs' check that no row is lost.
-- done() prints one JSON line that load.py reads.

local threads = {}
local counter = 0

function setup(thread)
  thread:set("index", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

function init(args)
  local file = assert(io.open(args[1], "r"))
  local all = {}
  for line in file:lines() do
    local method, path, cookie, body = line:match("^([^\t]*)\t([^\t]*)\t([^\t]*)\t(.*)$")
    local headers = {["User-Agent"] = "coop-bench"}
    if cookie ~= "" then headers["Cookie"] = cookie end
    if body == "" then
      body = nil
    else
      headers["Content-Type"] = "application/x-www-form-urlencoded"
    end
    table.insert(all, wrk.format(method, path, headers, body))
  end
  file:close()
  local step = tonumber(args[3] or "2")
  mine = {}
  for i = index + 1, #all, step do table.insert(mine, all[i]) end
  if #mine == 0 then mine = all end
  position = 0
  sent = 0
  wrapped = 0
  ok = 0
  failed = 0
  if args[2] == "count" then
    response = function(status, headers, body)
      if status < 400 then ok = ok + 1 else failed = failed + 1 end
    end
  end
end

function request()
  position = position + 1
  if position > #mine then
    position = 1
    wrapped = wrapped + 1
  end
  sent = sent + 1
  return mine[position]
end

function done(summary, latency, requests)
  local sent, wrapped, ok, failed = 0, 0, 0, 0
  for _, thread in ipairs(threads) do
    sent = sent + thread:get("sent")
    wrapped = wrapped + thread:get("wrapped")
    ok = ok + thread:get("ok")
    failed = failed + thread:get("failed")
  end
  local e = summary.errors
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "bytes": %d, "connect_errors": %d, ' ..
    '"read_errors": %d, "write_errors": %d, "status_errors": %d, "timeouts": %d, ' ..
    '"p50_us": %d, "p90_us": %d, "p99_us": %d, "max_us": %d, "mean_us": %.1f, ' ..
    '"sent": %d, "wrapped": %d, "counted_ok": %d, "counted_failed": %d}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write,
    e.status, e.timeout, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max, latency.mean, sent, wrapped, ok, failed))
end
