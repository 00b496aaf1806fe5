// ns and heap allocations per command to encode a command three ways: the generated typed
// encoder (`RedisCommand.set(key, value:, expiration:)`, what `redis.set(…)` sends), the
// variadic raw form (`RedisCommand("SET", key, value, "EX", 60)`, what `send("SET", …)` sends)
// and the array form (`RedisCommand(["SET", key, …])`, arguments known at run time).
// Not a test:
//
//     swift build -c release --product CommandEncodeBench
//     cc -O2 -fPIC -shared -o /tmp/libmalloccount.so Benchmarks/malloc-count/malloc_count.c
//     LD_PRELOAD=/tmp/libmalloccount.so .build/release/CommandEncodeBench
//
// (without the preload the allocation column says n/a). Best of 50 runs: on a shared machine
// the best run is the one not preempted. For instruction counts, which the machine's noise does
// not move, run one row and one encoder under callgrind with fewer runs, collecting only inside
// `encodeAll` ((1 + runs x 20) x 1024 commands; strip the binary's debug info first if
// valgrind cannot read it):
//
//     ENCODE_BENCH_RUNS=2 valgrind --tool=callgrind --toggle-collect='$s18CommandEncodeBench9encodeAll*' \
//         .build/release/CommandEncodeBench GET typed      # or variadic, array
import BenchmarkSupport
import Foundation
import Redis
import RESP
import SwiftEV

let keys = (0..<1024).map { "user:\($0 &* 7919)" }
let value = String(repeating: "v", count: 32)

struct Result {
    var nanoseconds: Double
    var allocations: Double?
}

let runs = ProcessInfo.processInfo.environment["ENCODE_BENCH_RUNS"].flatMap { Int($0) } ?? 50
let onlyEncoder = CommandLine.arguments.count > 2 ? CommandLine.arguments[2] : nil

/// Encodes a command for every key, `rounds` times: the code callgrind counts (its own symbol).
@inline(never)
func encodeAll(_ encode: (String) -> RedisCommand, rounds: Int) -> Int {
    var checksum = 0
    for _ in 0..<rounds {
        for key in keys { checksum &+= encode(key).bytes.readableBytes }
    }
    return checksum
}

func measure(_ encode: (String) -> RedisCommand) -> Result {
    var checksum = encodeAll(encode, rounds: 1) // warm-up
    let rounds = 20
    var best = Duration.seconds(1_000)
    var allocations: Double?
    for _ in 0..<runs {
        let before = mallocCount?()
        let elapsed = ContinuousClock().measure { checksum &+= encodeAll(encode, rounds: rounds) }
        if let before, let after = mallocCount?() {
            allocations = min(allocations ?? .infinity, Double(after - before) / Double(rounds * keys.count))
        }
        best = min(best, elapsed)
    }
    precondition(checksum != 0)
    let (seconds, attoseconds) = best.components
    return Result(nanoseconds: (Double(seconds) * 1e9 + Double(attoseconds) / 1e9) / Double(rounds * keys.count), allocations: allocations)
}

func row(_ label: String, typed: @escaping (String) -> RedisCommand, variadic: @escaping (String) -> RedisCommand,
         array: @escaping (String) -> RedisCommand) {
    if CommandLine.arguments.count > 1, !label.hasPrefix(CommandLine.arguments[1]) { return }
    // The three encodings must be the same bytes, or the comparison means nothing.
    precondition(typed(keys[1]).bytes == variadic(keys[1]).bytes && variadic(keys[1]).bytes == array(keys[1]).bytes, label)
    let encoders = [("typed", typed), ("variadic", variadic), ("array", array)]
    let cells = encoders.map { name, encode in
        guard onlyEncoder == nil || onlyEncoder == name else { return "          -         " }
        let r = measure(encode)
        return String(format: "%6.1f ns %@", r.nanoseconds, r.allocations.map { String(format: "%4.1f alloc", $0) } ?? "  n/a alloc")
    }
    print(label.padding(toLength: 34, withPad: " ", startingAt: 0) + cells.joined(separator: "   "))
}

print("CommandEncodeBench: per command, best of \(runs) runs of 20 x 1024 keys; allocation counter: "
      + (mallocCount == nil ? "not preloaded" : "libmalloccount.so"))
print("command".padding(toLength: 34, withPad: " ", startingAt: 0)
      + "typed method           variadic send(\"X\", …)  array send([…])")
row("GET key",
    typed: { RedisCommand.get(RedisKey($0)) },
    variadic: { RedisCommand("GET", $0) },
    array: { RedisCommand(["GET", $0]) })
row("SET key value(32 B) EX 60",
    typed: { RedisCommand.set(RedisKey($0), value: value, expiration: .seconds(60)) },
    variadic: { RedisCommand("SET", $0, value, "EX", 60) },
    array: { RedisCommand(["SET", $0, value, "EX", 60]) })
row("HSET key f1 v f2 v f3 v",
    typed: { RedisCommand.hset(RedisKey($0), fields: [(field: "f1", value: value), (field: "f2", value: value), (field: "f3", value: value)]) },
    variadic: { RedisCommand("HSET", $0, "f1", value, "f2", value, "f3", value) },
    array: { RedisCommand(["HSET", $0, "f1", value, "f2", value, "f3", value]) })
row("ZADD key NX CH 1.5 m",
    typed: { RedisCommand.zadd(RedisKey($0), condition: .nx, change: true, members: [(score: 1.5, member: "m")]) },
    variadic: { RedisCommand("ZADD", $0, "NX", "CH", 1.5, "m") },
    array: { RedisCommand(["ZADD", $0, "NX", "CH", 1.5, "m"]) })
row("XADD key MAXLEN ~ 1000 * f v",
    typed: { RedisCommand.xadd(RedisKey($0), trim: (strategy: .maxlen, operator: .approximately, threshold: "1000", count: nil),
                               idOrAuto: .autoId, fields: [(field: "f", value: value)]) },
    variadic: { RedisCommand("XADD", $0, "MAXLEN", "~", "1000", "*", "f", value) },
    array: { RedisCommand(["XADD", $0, "MAXLEN", "~", "1000", "*", "f", value]) })
