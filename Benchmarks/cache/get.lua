-- GET of one of KEYS pre-loaded keys, uniformly. GET_PATH is a format with one %d (the key).
local get_path = os.getenv("GET_PATH") or "/v1/cache/bench:%d"
local keys = tonumber(os.getenv("KEYS") or "10000")
function init(args)
    math.randomseed(os.time() + math.random(1, 1000000))
end
function request()
    return wrk.format("GET", string.format(get_path, math.random(0, keys - 1)))
end
