// ns per CommandRouter.route + slot-table lookup (the work the cluster client does once per
// command before choosing a node). Not a test: `swift run -c release RoutingBench`.
import Foundation
import Redis
import RedisCluster

func node(_ port: Int, _ role: ClusterTopology.Node.Role) -> ClusterTopology.Node {
    ClusterTopology.Node(id: String(repeating: "\(port % 10)", count: 40), endpoint: ClusterEndpoint(host: "127.0.0.1", port: port), role: role)
}

let topology = ClusterTopology(shards: [
    .init(slots: [0...5460], primary: node(7000, .primary), replicas: [node(7003, .replica)]),
    .init(slots: [5461...10922], primary: node(7001, .primary), replicas: [node(7004, .replica)]),
    .init(slots: [10923...16383], primary: node(7002, .primary), replicas: [node(7005, .replica)]),
])

/// The benchmark loop without routing (reading each command's length in place): subtracted to
/// give the routing cost itself.
func loopOnly(_ commands: [RedisCommand], rounds: Int) -> Double {
    var checksum = 0
    var best = Duration.seconds(1_000)
    for _ in 0..<100 {
        let elapsed = ContinuousClock().measure {
            commands.withUnsafeBufferPointer { commands in
                for _ in 0..<rounds {
                    for index in commands.indices { checksum &+= commands[index].bytes.readableBytes }
                }
            }
        }
        best = min(best, elapsed)
    }
    precondition(checksum != 0)
    let (seconds, attoseconds) = best.components
    return (Double(seconds) * 1e9 + Double(attoseconds) / 1e9) / Double(rounds * commands.count)
}

/// Routes every command of `commands` `rounds` times; prints ns per command. With a command
/// line argument, only the cases whose label starts with it run (e.g. `RoutingBench GET`, for
/// `perf stat`).
func measure(_ label: String, _ commands: @autoclosure () -> [RedisCommand], rounds: Int) {
    if CommandLine.arguments.count > 1, !label.hasPrefix(CommandLine.arguments[1]) { return }
    let commands = commands()
    // Warm-up: the tables are built on first use and the pages of the commands touched.
    for command in commands { _ = CommandRouter.route(command) }
    var checksum = 0
    let clock = ContinuousClock()
    var best = Duration.seconds(1_000)
    // Many short runs, best kept: on a shared machine the best run is the one not preempted.
    for _ in 0..<100 {
        let elapsed = clock.measure {
            // Borrowed in place, as the client routes them: a `for command in commands` copy
            // would add a retain and a release per command that routing does not do.
            commands.withUnsafeBufferPointer { commands in
                for _ in 0..<rounds {
                    for index in commands.indices {
                        if case .slot(let slot) = CommandRouter.route(commands[index]) {
                            checksum &+= topology.shardIndex(forSlot: slot) ?? -1
                        }
                    }
                }
            }
        }
        best = min(best, elapsed)
    }
    let (seconds, attoseconds) = best.components
    let nanoseconds = Double(seconds) * 1e9 + Double(attoseconds) / 1e9
    let perCommand = nanoseconds / Double(rounds * commands.count)
    let baseline = loopOnly(commands, rounds: rounds)
    print("\(label.padding(toLength: 40, withPad: " ", startingAt: 0)) \(String(format: "%7.1f", perCommand)) ns/command, "
        + "\(String(format: "%6.1f", perCommand - baseline)) ns without the loop's own \(String(format: "%.1f", baseline)) ns  (checksum \(checksum))")
}

// 1024 distinct keys, so the CRC and the table load are not the same few cache lines each time.
let keys = (0..<1024).map { "user:\($0 &* 7919)" }
print("RoutingBench: best of 100 runs of 1024 commands x rounds, route + slot table lookup")
measure("GET key", keys.map { RedisCommand("GET", $0) }, rounds: 100)
measure("SET key value(32 B)", keys.map { RedisCommand("SET", $0, String(repeating: "v", count: 32)) }, rounds: 100)
measure("MGET {tag}a {tag}b {tag}c", keys.map { RedisCommand("MGET", "{\($0)}a", "{\($0)}b", "{\($0)}c") }, rounds: 50)
measure("XREAD COUNT 1 STREAMS {t}a {t}b 0 0", keys.map { RedisCommand("XREAD", "COUNT", 1, "STREAMS", "{\($0)}a", "{\($0)}b", 0, 0) }, rounds: 50)
measure("EVALSHA sha 1 key arg", keys.map { RedisCommand("EVALSHA", "e0e1f9fabfc9d4800c877a703b823ac0578ff8db", 1, $0, "arg") }, rounds: 50)
