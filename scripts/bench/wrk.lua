-- wrk script of scripts/bench.sh. Environment:
--   BENCH_COOKIE    Cookie header for every request (a signed-in session), optional
--   BENCH_REQUESTS  a file of POSTs, one per line: path<TAB>cookie<TAB>form body. Each line is
--                   sent once (fresh tokens); the run ends early if the lines run out.
--   BENCH_SHARD     "k/n": use only lines whose number is k modulo n (several wrk processes)
--   BENCH_OUT       where done() writes the figures as JSON
local cookie = os.getenv("BENCH_COOKIE")
local requests_file = os.getenv("BENCH_REQUESTS")
local out = os.getenv("BENCH_OUT")

local threads = {}
local thread_count = 0

function setup(thread)
    thread:set("id", thread_count)
    thread_count = thread_count + 1
    table.insert(threads, thread)
end

local lines, next_line, exhausted = nil, 1, false

function init(args)
    if cookie and cookie ~= "" then
        wrk.headers["Cookie"] = cookie
    end
    if not requests_file or requests_file == "" then
        return
    end
    -- Each thread takes its own slice, so no token is sent twice.
    local shard, shards = 0, 1
    local spec = os.getenv("BENCH_SHARD")
    if spec then
        shard, shards = spec:match("(%d+)/(%d+)")
        shard, shards = tonumber(shard), tonumber(shards)
    end
    local threads_n = tonumber(os.getenv("BENCH_THREADS") or "1")
    local slot, slots = shard * threads_n + id, shards * threads_n
    lines = {}
    local n = 0
    for line in io.lines(requests_file) do
        if n % slots == slot then
            local path, c, body = line:match("([^\t]*)\t([^\t]*)\t(.*)")
            table.insert(lines, wrk.format("POST", path, {
                ["Cookie"] = c,
                ["Content-Type"] = "application/x-www-form-urlencoded",
            }, body))
        end
        n = n + 1
    end
end

function request()
    if not lines then
        return wrk.request()
    end
    local r = lines[next_line]
    if r == nil then
        -- Out of fresh tokens: resend the last one (it will be refused and counted as an
        -- error if it is ever answered) and stop this thread at the next response.
        exhausted = true
        return lines[#lines]
    end
    next_line = next_line + 1
    return r
end

-- Anything but 200 is a failure here (wrk itself counts only statuses >= 400): a redirect
-- to the sign-in page must not pass for a fast page.
unexpected = 0

function response(status, headers, body)
    if status ~= 200 then
        unexpected = unexpected + 1
    end
    if exhausted then
        wrk.thread:stop()
    end
end

function done(summary, latency, requests)
    local p = {}
    for _, q in ipairs({50, 90, 99, 99.9}) do
        table.insert(p, string.format('"%s": %d', tostring(q), latency:percentile(q)))
    end
    -- 200 evenly spaced quantiles, so that several wrk processes can be merged.
    local qs = {}
    for i = 1, 200 do
        table.insert(qs, string.format("%d", latency:percentile(i / 2 - 0.25)))
    end
    local e = summary.errors
    local not_ok = 0
    for _, t in ipairs(threads) do
        not_ok = not_ok + t:get("unexpected")
    end
    local json = string.format(
        '{"requests": %d, "duration_us": %d, "bytes": %d, ' ..
        '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d, ' ..
        '"not_200": %d}, ' ..
        '"latency_us": {%s, "max": %d}, "quantiles_us": [%s]}\n',
        summary.requests, summary.duration, summary.bytes,
        e.connect, e.read, e.write, e.status, e.timeout, not_ok - e.status,
        table.concat(p, ", "), latency.max, table.concat(qs, ", "))
    local f = assert(io.open(out, "w"))
    f:write(json)
    f:close()
end
