-- wrk script for bench/load.sh: one endpoint class per wrk process. Every request takes the
-- next line of the file named by LOAD_TARGETS, "token<TAB>METHOD<TAB>path[<TAB>json body]",
-- so the connections rotate over many people, each with its own API token (the token's
-- account decides the data scope, as for a signed-in person). LOAD_DELAY_MS (optional) waits
-- that long before each request of a connection, to pace a class (call entry) instead of
-- flooding it. Counts every answer other than 200/201 and prints one line at the end:
--   RESULT <requests/s> <p50 ms> <p90 ms> <p99 ms> <max ms> <bad status> <socket errors> <requests>
-- and, when there were bad answers, the first status and body seen:
--   FIRST_BAD <status> <body…>

local threads = {}

function setup(thread)
   thread:set("id", #threads)
   table.insert(threads, thread)
end

local targets = {}
local next_target = 1
local pause = tonumber(os.getenv("LOAD_DELAY_MS") or "0")
bad = 0
first_bad = nil

function init(args)
   for line in io.lines(os.getenv("LOAD_TARGETS")) do
      local token, method, path, body = line:match("^(%S+)\t(%S+)\t(%S+)\t?(.*)$")
      if token then
         local headers = { ["Authorization"] = "Bearer " .. token }
         if body == "" then
            body = nil
         else
            headers["Content-Type"] = "application/json"
         end
         targets[#targets + 1] = wrk.format(method, path, headers, body)
      end
   end
   assert(#targets > 0, "no targets in " .. tostring(os.getenv("LOAD_TARGETS")))
   -- The threads start at different places in the list.
   next_target = (id * 7919) % #targets
end

function delay()
   return pause
end

function request()
   local r = targets[next_target % #targets + 1]
   next_target = next_target + 1
   return r
end

function response(status, headers, body)
   if status ~= 200 and status ~= 201 then
      bad = bad + 1
      if first_bad == nil then
         first_bad = status .. " " .. string.sub(body or "", 1, 300):gsub("\n", " ")
      end
   end
end

function done(summary, latency, requests)
   local total_bad, sample = 0, nil
   for _, t in ipairs(threads) do
      total_bad = total_bad + (t:get("bad") or 0)
      sample = sample or t:get("first_bad")
   end
   local e = summary.errors
   local socket = e.connect + e.read + e.write + e.timeout
   io.write(string.format("RESULT %.1f %.1f %.1f %.1f %.1f %d %d %d\n",
      summary.requests / (summary.duration / 1e6),
      latency:percentile(50) / 1000, latency:percentile(90) / 1000,
      latency:percentile(99) / 1000, latency.max / 1000,
      total_bad, socket, summary.requests))
   if sample then
      io.write("FIRST_BAD " .. sample .. "\n")
   end
end
