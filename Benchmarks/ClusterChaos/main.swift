// ClusterChaos: continuous load while the cluster changes under it (reshard a third of the
// slots, CLUSTER FAILOVER, kill -9 + restart of a primary, a primary paused past
// cluster-node-timeout, scale out and in by a primary+replica pair), then a fresh client checks
// what the cluster kept. The load goes through RedisClusterClient directly, through the client
// with every write confirmed by WAIT 1, and through the example cache service over HTTP
// (started in this process). Prints a table and writes JSON. Not a test.
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
//   --paths a,b          of client,wait,http (default all): each scenario once per path
//   --http-port P        the cache service's port (default 0: the system picks one)
//   --wait-ms N          WAIT 1's timeout on the wait path (default 500)
//   --full-coverage no   set cluster-require-full-coverage no on every node after each reset
//                        (default: Redis' yes, under which every node refuses keyed commands
//                        while a shard has no primary)
//   --workers N          workers, one operation in flight each (default 256)
//   --loops N            event loops of the load, one client each (default 1)
//   --service-loops N    the cache service's own event loops (default 1)
//   --http-load-loops N  the HTTP load's loops, apart from the service's (default 2: one was
//                        itself the limit, two keep the service's loop saturated)
//   --before S --after S seconds of load before the fault and after the cluster settled (3, 3)
//   --pause-seconds S    how long `pause` stops the primary (default 4.5; node timeout is 2)
//   --scale-out-slots N  scale-out moves N slots onto the new primary in batches (default:
//                        redis-cli rebalance, a quarter of all slots one by one, as a scaler
//                        does; the tests move 2048 in batches)
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
    var paths = ChaosPath.allCases
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
            case "--paths":
                options.paths = value().split(separator: ",").map {
                    guard let path = ChaosPath.named(String($0)) else { fail("unknown path \($0) (client, wait, http)") }
                    return path
                }
            case "--http-port": options.settings.httpPort = Int(number())
            case "--full-coverage":
                let text = value()
                guard ["yes", "no"].contains(text) else { fail("--full-coverage takes yes or no") }
                options.settings.requireFullCoverage = text == "yes"
            case "--wait-ms": options.settings.waitMilliseconds = max(1, Int(number()))
            case "--workers": options.settings.workers = max(1, Int(number()))
            case "--loops": options.settings.loops = max(1, Int(number()))
            case "--service-loops": options.settings.serviceLoops = max(1, Int(number()))
            case "--http-load-loops": options.settings.httpLoadLoops = max(1, Int(number()))
            case "--before": options.settings.before = number()
            case "--after": options.settings.after = number()
            case "--pause-seconds": options.settings.pauseSeconds = number()
            case "--scale-out-slots": options.settings.scaleOutSlots = max(1, Int(number()))
            case "--json": options.jsonPath = value()
            case "--table-from": options.tableFrom = value()
            case "-h", "--help":
                print("usage: ClusterChaos [--base-port P] [--name N] [--scenarios a,b] [--paths client,wait,http] [--http-port P] [--wait-ms N] [--full-coverage yes|no] [--workers N] [--loops N] [--service-loops N] [--http-load-loops N] [--before S] [--after S] [--pause-seconds S] [--scale-out-slots N] [--json PATH] [--table-from PATH]")
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
    for path in options.paths {
        for scenario in options.scenarios {
            FileHandle.standardError.write(Data("== \(scenario.rawValue) via \(path.rawValue)\n".utf8))
            do {
                results.append(try await runner.run(scenario, via: path))
            } catch {
                FileHandle.standardError.write(Data("ClusterChaos: \(scenario.rawValue) via \(path.rawValue) failed: \(error)\n".utf8))
            }
        }
    }
}

func f(_ x: Double, _ digits: Int = 0) -> String { String(format: "%.\(digits)f", x) }
print("| scenario | via | ops | errors (by kind) | acked writes lost | applied twice | stale reads | longest stall s (all / one worker / affected slots' writes) | affected slots writable again s after fault | ops/s before / during / after | unaffected ops/s before / during |")
print("|---|---|---|---|---|---|---|---|---|---|---|")
for result in results {
    let r = result.figures
    // Reshards and scaling move slots without an outage: their longest write gap ends anywhere.
    let outage = [.failover, .kill, .pause].contains(result.scenario)
    let errors = r.errors.isEmpty ? "0" : "\(r.errorCount): " + r.errors.sorted { $0.key < $1.key }.map { "\($0.key) ×\($0.value)" }.joined(separator: ", ")
    print("| \(result.scenario.rawValue) | \((result.path ?? .client).rawValue) | \(r.operations) | \(errors) | \(r.lostWrites) | \(r.appliedTwice) | \(r.staleReads) | "
          + "\(f(r.longestStall, 3)) / \(f(r.longestWorkerStall, 3)) / \(f(r.affectedStall, 3)) | \(outage ? r.recovery.map { f($0, 3) } ?? "-" : "n/a") | "
          + "\(f(r.opsPerSecond[0])) / \(f(r.opsPerSecond[1])) / \(f(r.opsPerSecond[2])) | "
          + "\(f(r.unaffectedOpsPerSecond[0])) / \(f(r.unaffectedOpsPerSecond[1])) |")
}
// How busy each loop was before the fault: a loop near 100% is what limits the throughput.
let busyRows = results.compactMap { result -> String? in
    guard let busy = result.loopBusyBefore, !busy.isEmpty else { return nil }
    let loops = busy.sorted { $0.key < $1.key }.map { "\($0.key) \(f($0.value[0] * 100)) % on a CPU + \(f($0.value[1] * 100)) % waiting for one" }
        .joined(separator: ", ")
    return "- \(result.scenario.rawValue) via \((result.path ?? .client).rawValue), \(result.workers) workers: \(loops)"
}
if !busyRows.isEmpty {
    print("")
    print("Event loops before the fault, shares of the wall time on a CPU and runnable waiting for one (the machine is shared):")
    for row in busyRows { print(row) }
}
// Before the fault and after the cluster settled: operations per second of CPU the busiest
// loop (the service's, through HTTP) got. Equal, a lower after-phase ops/s is the machine
// giving the loop less CPU; lower after, each operation costs more (something stayed degraded).
let perCPURows = results.compactMap { result -> String? in
    guard let before = result.loopBusyBefore, let after = result.loopBusyAfter else { return nil }
    let name = before.keys.sorted().first { $0.hasPrefix("service") } ?? before.keys.sorted().first
    guard let name, let b = before[name], let a = after[name], b[0] > 0, a[0] > 0 else { return nil }
    let ops = result.figures.opsPerSecond
    return "- \(result.scenario.rawValue) via \((result.path ?? .client).rawValue), \(name): before \(f(ops[0])) ops/s on \(f(b[0] * 100)) % of a CPU = "
        + "\(f(ops[0] / b[0])) per CPU-second; after \(f(ops[2])) ops/s on \(f(a[0] * 100)) % (+ \(f(a[1] * 100)) % waiting) = \(f(ops[2] / a[0])) per CPU-second"
}
if !perCPURows.isEmpty {
    print("")
    print("Operations per CPU-second of the busiest loop, before the fault and after the cluster settled:")
    for row in perCPURows { print(row) }
}
// Kill and pause: the affected slots' recovery split into what Redis took and what the client
// added after the promotion (times in seconds after the SIGKILL/SIGSTOP, from the nodes' logs).
let outages = results.filter { $0.timeline != nil }
if !outages.isEmpty {
    print("")
    print("| scenario | via | full coverage | node flagged failing | cluster refusing keyed commands (CLUSTERDOWN) | election scheduled | replica promoted | first acked write on its slots | client after promotion | unaffected ops/s, whole fault phase vs before | unaffected ops/s while the node is down or stopped vs before | the same outside CLUSTERDOWN |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for result in outages {
        guard let t = result.timeline else { continue }
        let r = result.figures
        let firstWrite = r.recovery.map { $0 - t.signalAfterMark }
        let sinceUnaffected = r.unaffectedOpsPerSecond[0] > 0 ? r.unaffectedOpsPerSecond[1] / r.unaffectedOpsPerSecond[0] * 100 : 0
        let inOutage = result.unaffectedOutageOpsPerSecond.map { $0[0] > 0 ? "\(f($0[1] / $0[0] * 100, 1)) %" : "-" } ?? "-"
        var outside = "-"
        if let outage = result.unaffectedOutageOpsPerSecond, let rest = result.unaffectedOutsideClusterDownOpsPerSecond, outage[0] > 0 {
            outside = "\(f(rest / outage[0] * 100, 1)) %"
        }
        func s(_ x: Double?) -> String { x.map { f($0, 3) } ?? "-" }
        let after = firstWrite.flatMap { write in t.promoted.map { write - $0 } }
        let down = t.clusterDown.map { "\(f($0[0], 3)) – \(f($0[1], 3))" } ?? "-"
        print("| \(result.scenario.rawValue) | \((result.path ?? .client).rawValue) | \(result.requireFullCoverage == false ? "no" : "yes") | "
              + "\(s(t.failureFlagged)) | \(down) | \(s(t.electionScheduled)) | "
              + "\(s(t.promoted)) | \(s(firstWrite)) | \(s(after)) | \(f(sinceUnaffected, 1)) % | \(inOutage) | \(outside) |")
    }
    // The healthy shards' throughput through the fault, beside Redis' CLUSTERDOWN window.
    print("")
    print("Unaffected workers' successful ops/s per window, from 1 s before the SIGKILL/SIGSTOP (* = inside the CLUSTERDOWN window of the nodes' logs):")
    for result in outages {
        guard let t = result.timeline, let series = result.unaffectedSeries, let step = result.seriesStep else { continue }
        let cells = series.enumerated().map { index, value -> String in
            let from = Double(index) * step - 1
            let down = t.clusterDown.map { from + step > $0[0] && from < $0[1] } ?? false
            return "\(f(from, 1)):\(f(value))\(down ? "*" : "")"
        }
        print("- \(result.scenario.rawValue) via \((result.path ?? .client).rawValue), full coverage \(result.requireFullCoverage == false ? "no" : "yes"): \(cells.joined(separator: " "))")
    }
}
if let jsonPath = options.jsonPath {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    try encoder.encode(results).write(to: URL(fileURLWithPath: jsonPath))
}
