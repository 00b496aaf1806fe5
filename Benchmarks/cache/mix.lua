-- 50/50: PUT of a 64-byte value, then GET, alternating, keys uniform over KEYS.
-- GET_PATH and PUT_PATH are formats with one %d (the key).
local get_path = os.getenv("GET_PATH") or "/v1/cache/bench:%d"
local put_path = os.getenv("PUT_PATH") or "/v1/cache/bench:%d"
local keys = tonumber(os.getenv("KEYS") or "10000")
local value = string.rep("v", 64)
local n = 0
function init(args)
    math.randomseed(os.time() + math.random(1, 1000000))
end
function request()
    n = n + 1
    local key = math.random(0, keys - 1)
    if n % 2 == 0 then
        return wrk.format("PUT", string.format(put_path, key), nil, value)
    end
    return wrk.format("GET", string.format(get_path, key))
end
