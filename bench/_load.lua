-- Weighted mixed workload for bench/load.py:  wrk -s bench/_load.lua URL -- SPEC_FILE
-- SPEC_FILE returns a list of {kind, weight, method, path, headers, body}; "@N@" in a body is
-- replaced by a per-thread unique tag. wrk cannot tell which request a response answers, so
-- responses are counted by status (200 reads/writes, 202 sends) and requests by kind.
local threads = {}
local counter = 0

function setup(thread)
  table.insert(threads, thread)
  thread:set("tid", #threads)
end

function init(args)
  spec = dofile(args[1])
  total = 0
  for _, r in ipairs(spec) do
    total = total + r.weight
    if not (r.body and r.body:find("@N@", 1, true)) then
      r.fixed = wrk.format(r.method, r.path, r.headers, r.body)
    end
  end
  issued, statuses = {}, {}
  math.randomseed(os.time() * 1000 + tid)
end

function request()
  local x, r = math.random() * total, nil
  for _, candidate in ipairs(spec) do
    r, x = candidate, x - candidate.weight
    if x < 0 then break end
  end
  issued[r.kind] = (issued[r.kind] or 0) + 1
  if r.fixed then return r.fixed end
  counter = counter + 1
  local body = r.body:gsub("@N@", tid .. "-" .. counter)
  return wrk.format(r.method, r.path, r.headers, body)
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("LOAD total %d %d %.1f %.1f %d\n", summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(99), e.connect + e.read + e.write + e.timeout))
  for _, t in ipairs(threads) do
    for k, v in pairs(t:get("issued")) do io.write(string.format("LOAD issued %s %d\n", k, v)) end
    for k, v in pairs(t:get("statuses")) do io.write(string.format("LOAD status %d %d\n", k, v)) end
  end
end
