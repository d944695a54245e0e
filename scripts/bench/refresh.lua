-- wrk: refresh-token rotation. Each thread owns one session (one connection per thread) and
-- presents the token the previous response handed it, so every request is a real rotation.
local threads = {}
local next_index = 1

function setup(thread)
  local tokens = {}
  for token in string.gmatch(os.getenv("BENCH_REFRESH_TOKENS"), "[^,]+") do table.insert(tokens, token) end
  thread:set("token", tokens[next_index])
  next_index = next_index + 1
  table.insert(threads, thread)
end

function init(args)
  wrk.method = "POST"
  wrk.path = "/auth/v1/token?grant_type=refresh_token"
  wrk.headers["apikey"] = os.getenv("BENCH_ANON_KEY")
  wrk.headers["Content-Type"] = "application/json"
  failures = 0
end

function request()
  return wrk.format(nil, nil, nil, '{"refresh_token":"' .. token .. '"}')
end

function response(status, headers, body)
  local next_token = string.match(body, '"refresh_token":"([^"]+)"')
  if status == 200 and next_token then token = next_token else failures = failures + 1 end
end

function done(summary, latency, requests)
  local failed = 0
  for _, thread in ipairs(threads) do failed = failed + (thread:get("failures") or 0) end
  io.write(string.format("refresh failures: %d\n", failed))
end
