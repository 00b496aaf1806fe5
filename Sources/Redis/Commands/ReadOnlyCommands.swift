/// Commands that never modify data, so re-sending one whose outcome is unknown is harmless.
///
/// From Redis 7's `COMMAND INFO` (the `readonly` flag), plus connection-level commands
/// without side effects. A command not listed is treated as a write: the safe default.
///
/// Looked up whenever a command's retry safety is needed, so names are packed into integers
/// (case folded) and found by binary search: no `String`, no hashing.
enum ReadOnlyCommands {
    static func contains(_ name: String) -> Bool {
        var name = name
        guard let key = name.withUTF8({ PackedName($0) }) else { return false }
        var low = 0, high = packed.count - 1
        while low <= high {
            let mid = (low + high) / 2
            if packed[mid] == key { return true }
            if packed[mid] < key { low = mid + 1 } else { high = mid - 1 }
        }
        return false
    }

    /// Up to 24 ASCII letters, digits, `_` or `|`, upper-cased, with the length.
    struct PackedName: Comparable, Equatable {
        var a: UInt64 = 0, b: UInt64 = 0, c: UInt64 = 0, length = 0

        init?(_ name: UnsafeBufferPointer<UInt8>) {
            guard name.count <= 24 else { return nil }
            for i in 0..<name.count {
                let raw = name[i]
                let byte = UInt64(raw >= 0x61 && raw <= 0x7A ? raw - 0x20 : raw)
                let shift = UInt64((i & 7) &* 8)
                switch i >> 3 {
                case 0: a |= byte << shift
                case 1: b |= byte << shift
                default: c |= byte << shift
                }
            }
            length = name.count
        }

        static func < (l: PackedName, r: PackedName) -> Bool {
            (l.length, l.a, l.b, l.c) < (r.length, r.a, r.b, r.c)
        }
    }

    static let packed: [PackedName] = names.compactMap { name in
        var name = name
        return name.withUTF8 { PackedName($0) }
    }.sorted()

    static let names: [String] = [
        "BITCOUNT", "BITFIELD_RO", "BITPOS", "DBSIZE", "DUMP", "ECHO", "EXISTS", "EXPIRETIME",
        "FCALL_RO", "GEODIST", "GEOHASH", "GEOPOS", "GEORADIUSBYMEMBER_RO", "GEORADIUS_RO",
        "GEOSEARCH", "GET", "GETBIT", "GETRANGE", "HEXISTS", "HGET", "HGETALL", "HKEYS", "HLEN",
        "HMGET", "HRANDFIELD", "HSCAN", "HSTRLEN", "HVALS", "KEYS", "LCS", "LINDEX", "LLEN",
        "LPOS", "LRANGE", "MGET", "PEXPIRETIME", "PFCOUNT", "PING", "PTTL", "RANDOMKEY",
        "SCAN", "SCARD", "SDIFF", "SINTER", "SINTERCARD", "SISMEMBER", "SMEMBERS",
        "SMISMEMBER", "SORT_RO", "SRANDMEMBER", "SSCAN", "STRLEN", "SUBSTR", "SUNION", "TOUCH",
        "TTL", "TYPE", "XINFO", "XLEN", "XPENDING", "XRANGE", "XREAD", "XREVRANGE", "ZCARD",
        "ZCOUNT", "ZDIFF", "ZINTER", "ZINTERCARD", "ZLEXCOUNT", "ZMSCORE", "ZRANDMEMBER",
        "ZRANGE", "ZRANGEBYLEX", "ZRANGEBYSCORE", "ZRANK", "ZREVRANGE", "ZREVRANGEBYLEX",
        "ZREVRANGEBYSCORE", "ZREVRANK", "ZSCAN", "ZSCORE", "ZUNION", "EVAL_RO", "EVALSHA_RO",
        "INFO", "TIME", "LASTSAVE", "MEMORY", "OBJECT",
    ]
}
