-- wrk script for benchmarks/read_paths.py: every request as the next prepared user.
--
--   wrk -t2 -c16 -d10s -s benchmarks/load/per_user.lua http://127.0.0.1:8002 -- DATA METHOD MODE THREADS [BODY]
--
-- DATA    one request a line: path TAB bearer-token [TAB idempotency-key]; an empty token sends none
-- METHOD  GET or POST
-- MODE    cycle: each thread walks its share of the lines round and round (reads)
--         once:  each line is sent once at most; a thread that runs out stops (submissions)
-- THREADS the -t given to wrk: each thread takes a contiguous share of the lines
-- BODY    a file whose content is every request's JSON body (POST)
--
-- Each thread has its own Lua state. The requests are formatted once in init(), so request()
-- costs wrk no more than a table lookup. response() counts every status (wrk itself counts only
-- socket errors and statuses over 399); done() prints one line, "WRK_SUMMARY {json}", with the
-- totals, the latency percentiles and, per thread, the range of lines it handed out. (Before the
-- run wrk calls request() once in thread 1 to inspect a request: that line is taken, never sent.)

local threads = {}

function setup(thread)
   table.insert(threads, thread)
   thread:set("tid", #threads)
end

-- Globals of a thread's state (read back by done() through thread:get).
statuses = {}
first, last, used, ran_out = 1, 0, 0, false
local requests, next_line, once = {}, 1, false

local function read_file(name)
   local file = assert(io.open(name, "rb"))
   local text = file:read("*a")
   file:close()
   return text
end

function init(args)
   local data, method, mode, thread_count, body_file = args[1], args[2], args[3], tonumber(args[4]), args[5]
   local body = body_file and read_file(body_file) or nil
   local lines = {}
   for line in io.lines(data) do
      if line ~= "" then
         table.insert(lines, line)
      end
   end
   local share = math.ceil(#lines / thread_count)
   first, last = (tid - 1) * share + 1, math.min(tid * share, #lines)
   once = mode == "once"
   if not once and last < first then
      first, last = 1, #lines -- fewer lines than threads (the bare ping): every thread has them all
   end
   for index = first, last do
      local path, token, key = lines[index]:match("^([^\t]*)\t([^\t]*)\t?([^\t]*)$")
      local headers = {}
      if token ~= "" then
         headers["Authorization"] = "Bearer " .. token
      end
      if key ~= "" then
         headers["Idempotency-Key"] = key
      end
      if body then
         headers["Content-Type"] = "application/json"
      end
      requests[index] = wrk.format(method, path, headers, body)
   end
   next_line = first
   if last < first then
      ran_out = true
   end
end

function request()
   if next_line > last then
      if once then
         -- Nothing left to send: stop this thread. wrk still wants a request from this call; a
         -- path the API does not have (404), so it cannot pass for a submission.
         ran_out = true
         wrk.thread:stop()
         return wrk.format("GET", "/__pool_ran_out__")
      end
      next_line = first
   end
   local text = requests[next_line]
   next_line = next_line + 1
   used = math.max(used, next_line - first)
   return text
end

function response(status, headers, body)
   local key = tostring(status)
   statuses[key] = (statuses[key] or 0) + 1
end

local function json_object(map)
   local parts = {}
   for key, value in pairs(map) do
      table.insert(parts, string.format('"%s": %s', key, tostring(value)))
   end
   return "{" .. table.concat(parts, ", ") .. "}"
end

function done(summary, latency, _)
   local all, ranges, anyone_ran_out = {}, {}, false
   for _, thread in ipairs(threads) do
      for key, count in pairs(thread:get("statuses")) do
         all[key] = (all[key] or 0) + count
      end
      local thread_first, thread_used = thread:get("first"), thread:get("used")
      table.insert(ranges, string.format("[%d, %d]", thread_first - 1, thread_first - 1 + thread_used))
      anyone_ran_out = anyone_ran_out or thread:get("ran_out")
   end
   local errors = summary.errors
   print("WRK_SUMMARY " .. json_object({
      requests = summary.requests,
      duration_us = summary.duration,
      bytes = summary.bytes,
      statuses = json_object(all),
      socket_errors = json_object({
         connect = errors.connect, read = errors.read, write = errors.write, timeout = errors.timeout,
      }),
      p50_us = latency:percentile(50.0),
      p95_us = latency:percentile(95.0),
      p99_us = latency:percentile(99.0),
      max_us = latency.max,
      mean_us = latency.mean,
      used_ranges = "[" .. table.concat(ranges, ", ") .. "]",
      ran_out = tostring(anyone_ran_out),
   }))
end
