-- wrk: one REST read per request, as a signed-in user picked at random for each request.
-- BENCH_TOKENS_FILE holds one access token per line; BENCH_PATH is the request path and query.
-- Counts non-200 answers and empty arrays (a user who sees none of their boards means broken RLS
-- or seeding) and reports them at the end.
local threads = {}
local thread_count = 0

function setup(thread)
  thread_count = thread_count + 1
  thread:set("seed", thread_count)
  table.insert(threads, thread)
end

function init(args)
  math.randomseed(os.time() * 1000 + seed)
  tokens = {}
  for line in io.lines(os.getenv("BENCH_TOKENS_FILE")) do
    if #line > 0 then tokens[#tokens + 1] = "Bearer " .. line end
  end
  apikey = os.getenv("BENCH_ANON_KEY")
  path = os.getenv("BENCH_PATH")
  failures = 0
  empty = 0
end

function request()
  return wrk.format("GET", path, { ["apikey"] = apikey, ["Authorization"] = tokens[math.random(#tokens)] })
end

function response(status, headers, body)
  if status ~= 200 then
    failures = failures + 1
  elseif body == "[]" then
    empty = empty + 1
  end
end

function done(summary, latency, requests)
  local failed, blank = 0, 0
  for _, thread in ipairs(threads) do
    failed = failed + (thread:get("failures") or 0)
    blank = blank + (thread:get("empty") or 0)
  end
  io.write(string.format("rest failures: %d, empty bodies: %d\n", failed, blank))
end

-- BENCH_CHECK=0 leaves the answers unread (wrk then only counts non-2xx), so that the load
-- generator spends as little of the shared CPU as it can.
if os.getenv("BENCH_CHECK") == "0" then response = nil end
