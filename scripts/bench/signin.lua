-- wrk: password sign-ins, round-robin over the benchmark users.
local users = tonumber(os.getenv("BENCH_USERS") or "16")
local counter = 0

function init(args)
  wrk.method = "POST"
  wrk.path = "/auth/v1/token?grant_type=password"
  wrk.headers["apikey"] = os.getenv("BENCH_ANON_KEY")
  wrk.headers["Content-Type"] = "application/json"
end

function request()
  counter = counter + 1
  local body = string.format('{"email":"bench%d@bench.test","password":"bench-password"}', counter % users)
  return wrk.format(nil, nil, nil, body)
end
