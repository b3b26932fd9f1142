-- wrk script for bench/bench_serve.py: POST evt.ping webhooks, each with its own
-- Idempotency-Key, round robin over the instance ids listed in a file.
--   wrk -t1 -c32 -d20s -s bench/webhook.lua http://127.0.0.1:PORT -- IDS_FILE TOKEN RUN [OFFSET]
-- Every thread numbers its requests; keys are RUN-THREAD-N (unique across threads and runs).
local threads = {}
local ids, token, run
local offset = 0
local counter = 0
thread_no = 0  -- set per thread by setup() (a global: thread:set writes globals)
local body = '{"event": "evt.ping"}'

function setup(thread)
  thread:set("thread_no", #threads)
  table.insert(threads, thread)
end

function init(args)
  ids = {}
  for line in io.lines(args[1]) do
    if #line > 0 then ids[#ids + 1] = line end
  end
  token, run = args[2], args[3]
  offset = tonumber(args[4] or "0")
end

function request()
  counter = counter + 1
  -- threads start at different offsets so that connections rarely hit one instance at once
  local id = ids[((offset + thread_no * 997 + counter) % #ids) + 1]
  return wrk.format("POST", "/api/v1/instances/" .. id .. "/events", {
    ["Authorization"] = "Bearer " .. token,
    ["Idempotency-Key"] = run .. "-" .. thread_no .. "-" .. counter,
    ["Content-Type"] = "application/json",
  }, body)
end
