import Foundation
import Redis
import RESP
import SwiftEV

/// What the TLS cluster tests change on their own TLS cluster, over TLS, and the waits that
/// tell the change has settled. Every wait is bounded.
enum TLSClusterControl {
    struct Timeout: Error, CustomStringConvertible {
        let what: String
        var description: String { "TLS cluster: \(what) did not happen in time" }
    }

    static func send(_ port: Int, _ arguments: [any RESPArgument]) async throws -> RESPValue {
        try await TLSTestEnvironment.withNode(port) { try await $0.send(RedisCommand(arguments)) }
    }

    static func text(_ port: Int, _ arguments: [any RESPArgument]) async throws -> String {
        let reply = try await send(port, arguments)
        switch reply {
        case .bulkString(let buffer?): return String(buffer: buffer)
        case .simpleString(let buffer): return String(buffer: buffer)
        case .verbatimString(_, let text): return String(buffer: text)
        default: return "\(reply)"
        }
    }

    /// Polls `condition` every 100 ms for up to `seconds`.
    static func wait(_ what: String, seconds: Double = 30, _ condition: () async throws -> Bool) async throws {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if (try? await condition()) == true { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw Timeout(what: what)
    }

    static func role(_ port: Int) async throws -> String {
        guard case .array(let items?) = try await send(port, ["ROLE"]), let first = items.first,
              case .bulkString(let name?) = first else { return "?" }
        return String(buffer: name)
    }

    static func myID(_ port: Int) async throws -> String { try await text(port, ["CLUSTER", "MYID"]) }

    /// Whether the node on `port` believes node `id` serves `slot` (from its `CLUSTER NODES`).
    static func sees(_ port: Int, owner id: String, of slot: Int) async throws -> Bool {
        let nodes = try await text(port, ["CLUSTER", "NODES"])
        guard let line = nodes.split(separator: "\n").first(where: { $0.hasPrefix(id) }) else { return false }
        return line.split(separator: " ").dropFirst(8).contains { range in
            let bounds = range.split(separator: "-").compactMap { Int($0) }
            return bounds.count == 1 ? bounds[0] == slot : bounds.count == 2 && (bounds[0]...bounds[1]).contains(slot)
        }
    }

    /// Hands an empty `slot` to node `id` on every primary and waits until all `ports` agree.
    ///
    /// The new owner's epoch is bumped *before* it claims the slot, so its claim outranks the
    /// old owner's from the first gossip on. Bumped after, a node that heard the claim first
    /// (with the lower epoch) answers it with an UPDATE naming the old owner, the new owner gives
    /// the slot back, and the cluster never agrees (seen after a failover-and-back had raised the
    /// old owner's epoch). Asked again every 5 s in case a claim is lost all the same.
    static func assign(slot: Int, to id: String, ownerPort: Int, primaries: [Int], all ports: [Int]) async throws {
        let what = "slot \(slot) owned by \(ownerPort) everywhere"
        let deadline = Date().addingTimeInterval(30)
        while true {
            _ = try await send(ownerPort, ["CLUSTER", "BUMPEPOCH"])
            for port in [ownerPort] + primaries.filter({ $0 != ownerPort }) {
                _ = try await send(port, ["CLUSTER", "SETSLOT", slot, "NODE", id])
            }
            do {
                return try await wait(what, seconds: max(0.1, min(5, deadline.timeIntervalSinceNow))) {
                    for port in ports where !(try await sees(port, owner: id, of: slot)) { return false }
                    return true
                }
            } catch is Timeout where Date() < deadline {
                continue
            }
        }
    }

    /// `CLUSTER FAILOVER` on the replica at `replicaPort`; returns once it is a primary, its old
    /// primary (`primaryPort`) a replica linked to it, and the cluster says ok everywhere.
    static func failover(replicaPort: Int, primaryPort: Int, all ports: [Int]) async throws {
        // A manual failover that does not hear from the primary in 5 s is dropped by the
        // replica (its log says "Manual failover timed out"): ask again, a few times.
        for attempt in 1...4 {
            _ = try await send(replicaPort, ["CLUSTER", "FAILOVER"])
            do {
                try await wait("\(replicaPort) promoted", seconds: attempt == 4 ? 30 : 6) {
                    let promoted = try await role(replicaPort)
                    let demoted = try await role(primaryPort)
                    return promoted == "master" && demoted == "slave"
                }
                break
            } catch let timeout as Timeout where attempt < 4 {
                _ = timeout
            }
        }
        try await wait("replica \(primaryPort) linked") {
            try await text(primaryPort, ["INFO", "replication"]).contains("master_link_status:up")
        }
        try await wait("cluster ok on every node") {
            for port in ports where !(try await text(port, ["CLUSTER", "INFO"]).contains("cluster_state:ok")) { return false }
            return true
        }
        // "ok" everywhere is not one view: a node may still list the old primary for a while,
        // and the next test would start on a cluster whose nodes disagree.
        try await wait("every node lists the same primaries and slots") {
            var views: Set<[String]> = []
            for port in ports { views.insert(try await primariesAndSlots(port)) }
            return views.count == 1
        }
    }

    /// `id slots...` of each primary that serves slots, as the node on `port` lists them, sorted.
    static func primariesAndSlots(_ port: Int) async throws -> [String] {
        try await text(port, ["CLUSTER", "NODES"]).split(separator: "\n").compactMap { line in
            let fields = line.split(separator: " ")
            guard fields.count > 8, fields[2].contains("master"), !fields[2].contains("fail") else { return nil }
            return ([fields[0]] + fields.dropFirst(8)).joined(separator: " ")
        }.sorted()
    }
}
