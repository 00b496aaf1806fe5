import Foundation
import RESP
import Redis
import SwiftEV

/// Drives a local test cluster from a test: reads its layout, moves slots, fails over, kills and
/// restarts nodes, adds and removes shards, waits until it is healthy again, and puts it back as
/// it was. It talks to each node over its own `RedisConnection` (one per port, reopened after a
/// failure) and starts nodes with `redis-server`, from the configs `scripts/redis-cluster.sh`
/// wrote.
///
/// Every wait is bounded and, when it runs out, throws a `ClusterControlError` saying which
/// condition was not reached and what it saw last.
///
/// ```swift
/// let control = try ClusterControl.scratch()
/// defer { control.shutdown() }
/// try await control.waitUntilHealthy()
/// let replica = try await control.nodes().first { !$0.isPrimary }!
/// try await control.failover(replicaPort: replica.port)
/// try await control.restoreLayout()
/// ```
///
/// Destructive steps are only for the scratch cluster (and its spares): the main cluster is
/// shared by every other test.
actor ClusterControl {
    static let host = "127.0.0.1"

    /// `main`, `scratch` or `hostname`: for messages, and the name `scripts/redis-cluster.sh` knows.
    let name: String
    /// The cluster's own nodes, primaries first as the script lays them out (replica k+P of primary k).
    let ports: [Int]
    /// Empty nodes that `addShard` may bring in.
    let sparePorts: [Int]
    /// Whether `kill9`, `reset` and the like may touch these nodes.
    let allowsDestructiveSteps: Bool

    private let group = LibevEventLoopGroup(numberOfThreads: 1)
    private var connections: [Int: RedisConnection] = [:]
    /// `config_file` of every node this helper killed, so `restart` can bring it back.
    var configFiles: [Int: String] = [:]

    init(name: String, ports: [Int], sparePorts: [Int] = [], allowsDestructiveSteps: Bool) {
        self.name = name
        self.ports = ports
        self.sparePorts = sparePorts
        self.allowsDestructiveSteps = allowsDestructiveSteps
    }

    /// The scratch cluster and its spare nodes, for destructive tests.
    static func scratch() throws -> ClusterControl {
        ClusterControl(
            name: "scratch", ports: try ClusterTestPorts.list(ClusterTestPorts.scratch, count: 6),
            sparePorts: try ClusterTestPorts.list(ClusterTestPorts.spares, count: 2), allowsDestructiveSteps: true
        )
    }

    /// The main cluster, read-only: for looking at it, never for changing it.
    static func main() throws -> ClusterControl {
        ClusterControl(name: "main", ports: try ClusterTestPorts.list(ClusterTestPorts.main, count: 6), allowsDestructiveSteps: false)
    }

    /// The three primaries that announce `node-N.swiftev.invalid`; read-only.
    static func hostname() throws -> ClusterControl {
        ClusterControl(name: "hostname", ports: try ClusterTestPorts.list(ClusterTestPorts.hostname, count: 3), allowsDestructiveSteps: false)
    }

    /// Closes the connections and stops the helper's event loop. Call it once, at the end.
    nonisolated func shutdown() {
        try? group.syncShutdown()
    }

    // MARK: Talking to nodes

    private static let configuration: RedisConnectionConfiguration = {
        var configuration = RedisConnectionConfiguration()
        configuration.connectTimeout = .seconds(2)
        configuration.commandTimeout = .seconds(10)
        configuration.clientName = "swiftev-cluster-control"
        return configuration
    }()

    private func connection(_ port: Int) async throws -> RedisConnection {
        if let connection = connections[port] { return connection }
        let connection = try await RedisConnection.connect(
            host: Self.host, port: port, configuration: Self.configuration, on: group.next()
        )
        if let raced = connections[port] {  // another call connected while this one waited
            connection.close()
            return raced
        }
        connections[port] = connection
        return connection
    }

    /// Forgets the connection to `port` (after an error, or when the node was killed).
    func dropConnection(_ port: Int) {
        connections.removeValue(forKey: port)?.close()
    }

    func dropAllConnections() {
        for port in Array(connections.keys) { dropConnection(port) }
    }

    /// Sends one command to the node on `port`. Any error drops the connection, so the next
    /// call starts afresh (the node may have been restarted); server error replies included,
    /// which costs a reconnect and keeps this independent of the error types.
    @discardableResult
    func send(_ port: Int, _ arguments: [any RESPArgument]) async throws -> RESPValue {
        let connection = try await connection(port)
        do {
            return try await connection.send(RedisCommand(arguments))
        } catch {
            if connections[port] === connection { dropConnection(port) }
            throw error
        }
    }

    @discardableResult
    func send(_ port: Int, _ words: String...) async throws -> RESPValue {
        try await send(port, words)
    }

    func send<T: RESPDecodable>(_ port: Int, _ words: String..., as type: T.Type) async throws -> T {
        try await send(port, words).decode(as: T.self)
    }

    /// `INFO <section>` as a dictionary.
    func info(_ port: Int, _ section: String) async throws -> [String: String] {
        let text = try await send(port, "INFO", section, as: String.self)
        var fields: [String: String] = [:]
        for line in text.split(whereSeparator: \.isNewline) {
            guard let colon = line.firstIndex(of: ":") else { continue }
            fields[String(line[..<colon])] = String(line[line.index(after: colon)...])
        }
        return fields
    }

    func error(_ step: String, _ detail: String) -> ClusterControlError {
        ClusterControlError(cluster: name, step: step, detail: detail)
    }

    func requireDestructive(_ step: String) throws {
        guard allowsDestructiveSteps else {
            throw error(step, "refused: the \(name) cluster is shared or read-only; use ClusterControl.scratch()")
        }
    }

    func requireOwnPort(_ port: Int, _ step: String) throws {
        guard ports.contains(port) || sparePorts.contains(port) else {
            throw error(step, "port \(port) is not one of this cluster's nodes \(ports + sparePorts)")
        }
    }

    // MARK: Layout

    /// The cluster as node `port` sees it (default: the first of `ports` that answers).
    func nodes(askingPort port: Int? = nil) async throws -> [Node] {
        var failures: [String] = []
        for candidate in port.map({ [$0] }) ?? ports {
            do {
                return Node.parse(try await send(candidate, "CLUSTER", "NODES", as: String.self)).sorted { $0.port < $1.port }
            } catch {
                failures.append("\(candidate): \(error)")
            }
        }
        throw self.error("CLUSTER NODES", "no node answered (\(failures.joined(separator: "; ")))")
    }

    /// The primary that owns `slot`, as the first answering node sees it.
    func owner(ofSlot slot: Int) async throws -> Node {
        let nodes = try await nodes()
        guard let owner = nodes.first(where: { $0.isPrimary && $0.owns(slot: slot) }) else {
            throw error("owner of slot \(slot)", "no primary owns it: \(nodes)")
        }
        return owner
    }

    /// Polls `check` every 50 ms until it returns a value (nil means "not yet", with the reason
    /// in `reason`), for at most `timeout`.
    @discardableResult
    func waitUntil<T: Sendable>(
        _ what: String, timeout: Duration, _ check: () async -> (value: T?, reason: String)
    ) async throws -> T {
        let deadline = ContinuousClock.now + timeout
        var reason = "not checked"
        while true {
            let outcome = await check()
            if let value = outcome.value { return value }
            reason = outcome.reason
            if ContinuousClock.now >= deadline { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw error(what, "not reached within \(timeout): \(reason)")
    }
}
