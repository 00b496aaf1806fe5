// ClusterChaos: continuous load through RedisClusterClient while the cluster changes under it
// (reshard a third of the slots, CLUSTER FAILOVER, kill -9 + restart of a primary, a primary
// paused past cluster-node-timeout, scale out and in by a primary+replica pair), then a fresh
// client checks what the cluster kept. Prints a table and writes JSON. Not a test.
//
//   swift build -c release --product ClusterChaos
//   .build/release/ClusterChaos --base-port 8150 --json chaos.json
//
// It manages its own cluster (scripts/redis-cluster.sh --name chaosrun --base-port P: nodes
// P..P+5, scale-out adds P+6.. ) and resets it before every scenario; stop it afterwards with
// `scripts/redis-cluster.sh --name chaosrun --base-port P stop`.
// Options:
//   --base-port P        first port of the cluster (default 8150)
//   --name N             the script's cluster name (default chaosrun)
//   --scenarios a,b      of reshard,failover,kill,pause,scale-out,scale-in (default all)
//   --workers N          workers, one operation in flight each (default 256)
//   --loops N            event loops, one client each (default 1)
//   --before S --after S seconds of load before the fault and after the cluster settled (3, 3)
//   --pause-seconds S    how long `pause` stops the primary (default 4.5; node timeout is 2)
//   --json PATH          also write the results as JSON
//   --table-from PATH    print the table of an earlier run's JSON (runs nothing)

import ClusterChaosKit
import Foundation
import SwiftEV

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("ClusterChaos: \(message)\n".utf8))
    exit(2)
}

struct Options {
    var settings = ChaosSettings()
    var basePort = 8150
    var name = "chaosrun"
    var scenarios = ChaosScenario.allCases
    var jsonPath: String?
    var tableFrom: String?

    static func parse(_ arguments: [String]) -> Options {
        var options = Options()
        var rest = arguments
        func value() -> String {
            guard !rest.isEmpty else { fail("missing value") }
            return rest.removeFirst()
        }
        func number() -> Double {
            guard let number = Double(value()) else { fail("not a number") }
            return number
        }
        while !rest.isEmpty {
            switch rest.removeFirst() {
            case "--base-port": options.basePort = Int(number())
            case "--name": options.name = value()
            case "--scenarios":
                options.scenarios = value().split(separator: ",").map {
                    guard let scenario = ChaosScenario(rawValue: String($0)) else { fail("unknown scenario \($0)") }
                    return scenario
                }
            case "--workers": options.settings.workers = max(1, Int(number()))
            case "--loops": options.settings.loops = max(1, Int(number()))
            case "--before": options.settings.before = number()
            case "--after": options.settings.after = number()
            case "--pause-seconds": options.settings.pauseSeconds = number()
            case "--json": options.jsonPath = value()
            case "--table-from": options.tableFrom = value()
            case "-h", "--help":
                print("usage: ClusterChaos [--base-port P] [--name N] [--scenarios a,b] [--workers N] [--loops N] [--before S] [--after S] [--pause-seconds S] [--json PATH] [--table-from PATH]")
                exit(0)
            case let other: fail("unknown option \(other)")
            }
        }
        return options
    }
}

let options = Options.parse(Array(CommandLine.arguments.dropFirst()))
let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("scripts/redis-cluster.sh").path
let cluster = ChaosCluster(script: script, name: options.name, basePort: options.basePort)
let runner = ChaosRunner(cluster: cluster, settings: options.settings) { line in
    FileHandle.standardError.write(Data("\(line)\n".utf8))
}

var results: [ChaosResult] = []
if let path = options.tableFrom {
    results = try JSONDecoder().decode([ChaosResult].self, from: Data(contentsOf: URL(fileURLWithPath: path)))
} else {
    _ = try await cluster.run(["start"])
    for scenario in options.scenarios {
        FileHandle.standardError.write(Data("== \(scenario.rawValue)\n".utf8))
        do {
            results.append(try await runner.run(scenario))
        } catch {
            FileHandle.standardError.write(Data("ClusterChaos: \(scenario.rawValue) failed: \(error)\n".utf8))
        }
    }
}

func f(_ x: Double, _ digits: Int = 0) -> String { String(format: "%.\(digits)f", x) }
print("| scenario | ops | errors (by kind) | acked writes lost | applied twice | stale reads | longest stall s (all / one worker / affected slots' writes) | affected slots writable again s after fault | ops/s before / during / after | unaffected ops/s before / during |")
print("|---|---|---|---|---|---|---|---|---|---|")
for result in results {
    let r = result.figures
    // Reshards and scaling move slots without an outage: their longest write gap ends anywhere.
    let outage = [.failover, .kill, .pause].contains(result.scenario)
    let errors = r.errors.isEmpty ? "0" : "\(r.errorCount): " + r.errors.sorted { $0.key < $1.key }.map { "\($0.key) ×\($0.value)" }.joined(separator: ", ")
    print("| \(result.scenario.rawValue) | \(r.operations) | \(errors) | \(r.lostWrites) | \(r.appliedTwice) | \(r.staleReads) | "
          + "\(f(r.longestStall, 3)) / \(f(r.longestWorkerStall, 3)) / \(f(r.affectedStall, 3)) | \(outage ? r.recovery.map { f($0, 3) } ?? "-" : "n/a") | "
          + "\(f(r.opsPerSecond[0])) / \(f(r.opsPerSecond[1])) / \(f(r.opsPerSecond[2])) | "
          + "\(f(r.unaffectedOpsPerSecond[0])) / \(f(r.unaffectedOpsPerSecond[1])) |")
}
if let jsonPath = options.jsonPath {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    try encoder.encode(results).write(to: URL(fileURLWithPath: jsonPath))
}
