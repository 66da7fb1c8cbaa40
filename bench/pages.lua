-- wrk script for bench/pages.sh: every request takes the next (session cookie, path) pair of
-- the file named by PAGES_TARGETS (one "cookie<TAB>path" a line), so the connections rotate
-- over all the signed-in sessions allowed on the page. Counts every answer other than 200
-- (a 302/303 to /login or a 403 would be a wrong measurement) and prints one machine-readable
-- line at the end:
--   RESULT <requests/s> <p50 ms> <p90 ms> <p99 ms> <max ms> <non-200> <socket errors> <requests>

local threads = {}

function setup(thread)
   thread:set("id", #threads)
   table.insert(threads, thread)
end

local targets = {}
local next_target = 1
non200 = 0

function init(args)
   for line in io.lines(os.getenv("PAGES_TARGETS")) do
      local cookie, path = line:match("^(%S+)\t(%S+)$")
      if cookie then
         targets[#targets + 1] = { "kaohe_session=" .. cookie, path }
      end
   end
   assert(#targets > 0, "no targets in " .. tostring(os.getenv("PAGES_TARGETS")))
   -- The threads start at different places in the list.
   next_target = (id * 7) % #targets
end

function request()
   local t = targets[next_target % #targets + 1]
   next_target = next_target + 1
   return wrk.format("GET", t[2], { ["Cookie"] = t[1] })
end

function response(status, headers, body)
   if status ~= 200 then
      non200 = non200 + 1
   end
end

function done(summary, latency, requests)
   local bad = 0
   for _, t in ipairs(threads) do
      bad = bad + (t:get("non200") or 0)
   end
   local e = summary.errors
   local socket = e.connect + e.read + e.write + e.timeout
   io.write(string.format("RESULT %.1f %.1f %.1f %.1f %.1f %d %d %d\n",
      summary.requests / (summary.duration / 1e6),
      latency:percentile(50) / 1000, latency:percentile(90) / 1000,
      latency:percentile(99) / 1000, latency.max / 1000,
      bad, socket, summary.requests))
end
