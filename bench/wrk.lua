-- wrk script for the benchmark (bench/load.py): cycles through the paths in
-- the file named by BENCH_PATHS (one per line; the detail pages rotate over
-- many records) and prints one JSON line when done.

local paths = {}
local counter = 0

function init(args)
  for line in io.lines(os.getenv("BENCH_PATHS")) do
    if line ~= "" then
      paths[#paths + 1] = line
    end
  end
  local host = os.getenv("BENCH_HOST")
  if host and host ~= "" then
    wrk.headers["Host"] = host
  end
  -- Extra request headers, one "Name: value" a line (If-None-Match, Accept-Language).
  local extra = os.getenv("BENCH_HEADERS")
  if extra and extra ~= "" then
    for name, value in extra:gmatch("([^:\n]+):%s*([^\n]*)") do
      wrk.headers[name] = value
    end
  end
end

function request()
  counter = counter + 1
  return wrk.format("GET", paths[(counter % #paths) + 1])
end

function done(summary, latency, requests)
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "bytes": %d, ' ..
    '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}, ' ..
    '"p50_us": %d, "p90_us": %d, "p99_us": %d, "max_us": %d}\n',
    summary.requests, summary.duration, summary.bytes,
    summary.errors.connect, summary.errors.read, summary.errors.write,
    summary.errors.status, summary.errors.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.max))
end
