-- wrk script for bench/flood.sh. FLOOD_MODE picks what this wrk sends:
--   reader  the URL on the command line, unchanged (wrk's static fast path)
--   paced   the same, but each connection waits PACE_MS between requests
--   news    /news?x=<counter>&utm_source=<random>: a cache buster per request
--   news_plain  /news, the same page without a query (the control: a flood of hits)
--   search  /search?q=<random word from FLOOD_WORDS, one word a line>
--   search_xff  the same, each request saying X-Forwarded-For: 203.0.113.7 (one
--           client behind the trusted same-host proxy: the per-address limits apply)
-- done() prints one line: rps p50_ms p99_ms p999_ms requests non2xx socket_errors
-- (latencies from wrk's own histogram, which records every request in microseconds).
local mode = os.getenv("FLOOD_MODE") or "reader"

if mode == "news" then
    local n = 0
    math.randomseed(os.time())
    request = function()
        n = n + 1
        return wrk.format("GET", string.format("/news?x=%d&utm_source=%08x", n,
            math.random(0, 0x7fffffff)))
    end
elseif mode == "paced" then
    local ms = tonumber(os.getenv("PACE_MS") or "10")
    delay = function() return ms end
elseif mode == "news_plain" then
    request = function() return wrk.format("GET", "/news") end
elseif mode == "search" or mode == "search_xff" then
    local words = {}
    for line in io.lines(os.getenv("FLOOD_WORDS")) do
        -- percent-encode every byte outside [A-Za-z0-9]
        words[#words + 1] = line:gsub("[^%w]", function(c)
            return string.format("%%%02X", c:byte())
        end)
        if #words >= 100000 then break end
    end
    assert(#words > 0, "FLOOD_WORDS is empty")
    math.randomseed(os.time() + 1)
    local headers = nil
    if mode == "search_xff" then headers = {["X-Forwarded-For"] = "203.0.113.7"} end
    request = function()
        return wrk.format("GET", "/search?q=" .. words[math.random(#words)], headers)
    end
end

done = function(summary, latency, requests)
    local e = summary.errors
    io.write(string.format("%.1f %.3f %.3f %.3f %d %d %d\n",
        summary.requests / (summary.duration / 1e6),
        latency:percentile(50) / 1000, latency:percentile(99) / 1000,
        latency:percentile(99.9) / 1000,
        summary.requests, e.status, e.connect + e.read + e.write + e.timeout))
end
