import Foundation
import RESP

extension ClusterControl {
    /// `CLUSTER FAILOVER` options: the default waits for the primary to hand over; `force`
    /// does not need the primary; `takeover` does not need a majority either.
    enum FailoverMode: String, Sendable { case coordinated = "", force = "FORCE", takeover = "TAKEOVER" }

    /// A node this helper killed: enough to bring it back with `restart(port:)`.
    struct KilledNode: Sendable {
        let port: Int
        let pid: Int32
        let id: String
        let wasPrimary: Bool
        /// The slots it owned (none for a replica).
        let slots: [ClosedRange<Int>]
        let configFile: String
    }

    /// Promotes the replica on `replicaPort` with `CLUSTER FAILOVER` and returns once every
    /// node sees it as the primary of its old primary's slots and the cluster is healthy.
    func failover(replicaPort: Int, mode: FailoverMode = .coordinated, timeout: Duration = .seconds(30)) async throws {
        let step = "failover to \(replicaPort)"
        try requireDestructive(step)
        try requireOwnPort(replicaPort, step)
        let before = try await nodes()
        guard let replica = before.first(where: { $0.port == replicaPort }), !replica.isPrimary,
            let primary = before.first(where: { $0.id == replica.primaryID })
        else {
            throw error(step, "\(replicaPort) is not a replica: \(before)")
        }
        var command: [any RESPArgument] = ["CLUSTER", "FAILOVER"]
        if mode != .coordinated { command.append(mode.rawValue) }
        try await sendOK(replicaPort, command, step, "CLUSTER FAILOVER \(mode.rawValue)")
        try await waitUntilAllAgree(primaryPort: replicaPort, owns: primary.slots, timeout: timeout)
        try await waitUntilHealthy(timeout: timeout)
    }

    /// Kills the node on `port` with SIGKILL (no chance to say goodbye, as in a crash) and
    /// returns once its port refuses connections. Only for nodes of this cluster, and only a
    /// `redis-server` whose `tcp_port` is that port.
    @discardableResult
    func kill9(port: Int, timeout: Duration = .seconds(10)) async throws -> KilledNode {
        let step = "kill -9 \(port)"
        try requireDestructive(step)
        try requireOwnPort(port, step)
        let server = try await info(port, "server")
        let me = try await nodes(askingPort: port).first(where: \.isMyself)
        guard server["tcp_port"] == String(port), let pidText = server["process_id"], let pid = Int32(pidText),
            let configFile = server["config_file"], !configFile.isEmpty, let me
        else {
            throw error(step, "INFO server does not describe a cluster node on \(port) with a config file: \(server)")
        }
        let command = (try? String(contentsOfFile: "/proc/\(pid)/comm", encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
        guard command == "redis-server" else {
            throw error(step, "process \(pid) is \(command ?? "gone"), not redis-server")
        }
        dropConnection(port)
        guard kill(pid, SIGKILL) == 0 else { throw error(step, "kill(\(pid), SIGKILL) failed: errno \(errno)") }
        configFiles[port] = configFile
        try await waitUntil("node \(port) gone after SIGKILL", timeout: timeout) { () async -> (value: Bool?, reason: String) in
            let alive = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)).map { !$0.contains(") Z ") } ?? false
            if alive { return (nil, "process \(pid) still running") }
            if (try? await self.send(port, "PING")) != nil { return (nil, "port \(port) still answers PING") }
            return (true, "")
        }
        return KilledNode(port: port, pid: pid, id: me.id, wasPrimary: me.isPrimary, slots: me.slots, configFile: configFile)
    }

    /// Waits until a replica has taken over the slots of the killed primary (automatic
    /// failover) and every live node agrees; returns the new primary.
    @discardableResult
    func waitForPromotion(replacing killed: KilledNode, timeout: Duration = .seconds(30)) async throws -> Node {
        guard killed.wasPrimary, let slot = killed.slots.first?.lowerBound else {
            throw error("promotion replacing \(killed.port)", "\(killed.port) was not a primary with slots")
        }
        let newPrimaryPort = try await waitUntil("a replica of \(killed.port) promoted", timeout: timeout) { () async -> (value: Int?, reason: String) in
            guard let nodes = try? await self.nodes() else { return (nil, "no node answers") }
            if let owner = nodes.first(where: { $0.isPrimary && $0.owns(slot: slot) }), owner.id != killed.id, !owner.isFailingOrUnknown {
                return (owner.port, "")
            }
            return (nil, "slot \(slot) still on \(nodes.first { $0.owns(slot: slot) }.map(\.description) ?? "nobody")")
        }
        return try await waitUntilAllAgree(primaryPort: newPrimaryPort, owns: killed.slots, timeout: timeout)
    }

    /// Starts the node on `port` again with its own config and `nodes.conf` (after `kill9`),
    /// and returns once it has rejoined with `role` (a killed primary comes back as a replica
    /// once its replica took over) and the cluster is healthy.
    @discardableResult
    func restart(port: Int, as role: Role? = .replica, timeout: Duration = .seconds(30)) async throws -> Node {
        let step = "restart \(port)"
        try requireDestructive(step)
        guard let configFile = configFiles[port] else {
            throw error(step, "this helper did not kill \(port), so it does not know its config file")
        }
        if (try? await send(port, "PING")) != nil { throw error(step, "something already answers on \(port)") }
        // The config says `daemonize yes`: the command returns as soon as the node forked off.
        let output = URL(fileURLWithPath: configFile).deletingLastPathComponent().appendingPathComponent("restart.out").path
        let status = try await ChildProcess.run(["redis-server", configFile], outputPath: output, timeout: .seconds(10))
        guard status == 0 else {
            let text = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
            throw error(step, "redis-server \(configFile) exited with status \(status): \(text)")
        }
        configFiles[port] = nil
        try await waitUntil("node \(port) answers PING", timeout: timeout) { () async -> (value: Bool?, reason: String) in
            ((try? await self.send(port, "PING")) != nil ? true : nil, "no answer yet")
        }
        let nodes = try await waitUntilHealthy(timeout: timeout)
        guard let node = nodes.first(where: { $0.port == port }) else { throw error(step, "\(port) did not rejoin: \(nodes)") }
        if let role, node.role != role { throw error(step, "\(port) rejoined as \(node.role), expected \(role)") }
        return node
    }
}
