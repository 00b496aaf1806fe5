import RESP

extension ClusterControl {
    /// Brings the two spare nodes into the cluster as a new shard: `primaryPort` becomes a
    /// primary, `replicaPort` its replica, and `slots` move to it with their keys (one
    /// `migrateSlot` each, so keep the list short). Returns once the cluster is healthy.
    @discardableResult
    func addShard(primaryPort: Int, replicaPort: Int, slots: [Int], timeout: Duration = .seconds(60)) async throws -> [Node] {
        let step = "add shard \(primaryPort)+\(replicaPort)"
        try requireDestructive(step)
        guard sparePorts.contains(primaryPort), sparePorts.contains(replicaPort), primaryPort != replicaPort else {
            throw error(step, "both must be spare nodes \(sparePorts)")
        }
        try await makeEmpty(primaryPort, step)
        try await makeEmpty(replicaPort, step)
        let members = try await nodes()
        guard let contact = members.first(where: { !$0.isFailingOrUnknown }) else { throw error(step, "no live member") }
        for port in [primaryPort, replicaPort] {
            try await sendOK(port, ["CLUSTER", "MEET", Self.host, contact.port], step, "CLUSTER MEET from \(port)")
        }
        let everyone = members.count + 2
        try await waitUntil("\(primaryPort) and \(replicaPort) known to every node", timeout: timeout) { () async -> (value: Bool?, reason: String) in
            for port in members.map(\.port) + [primaryPort, replicaPort] {
                guard let view = try? Node.parse(await send(port, "CLUSTER", "NODES", as: String.self)) else {
                    return (nil, "node \(port) does not answer")
                }
                let known = view.filter { !$0.isFailingOrUnknown && $0.linkConnected }
                if known.count != everyone { return (nil, "node \(port) sees \(known.count) of \(everyone) nodes connected") }
            }
            // A new node refuses keys (MIGRATE gets CLUSTERDOWN) until it says ok itself.
            for port in [primaryPort, replicaPort] {
                let info = (try? await send(port, "CLUSTER", "INFO", as: String.self)) ?? ""
                if !info.contains("cluster_state:ok") { return (nil, "node \(port) is not cluster_state:ok yet") }
            }
            return (true, "")
        }
        guard let primaryID = try await nodes(askingPort: primaryPort).first(where: \.isMyself)?.id else {
            throw error(step, "\(primaryPort) does not list itself")
        }
        try await sendOK(replicaPort, ["CLUSTER", "REPLICATE", primaryID], step, "CLUSTER REPLICATE on \(replicaPort)")
        // Until everyone sees it as a replica, migrateSlot would count it among the primaries.
        try await waitUntil("every node sees \(replicaPort) as replica of \(primaryPort)", timeout: timeout) { () async -> (value: Bool?, reason: String) in
            for port in members.map(\.port) + [primaryPort, replicaPort] {
                guard let view = try? Node.parse(await send(port, "CLUSTER", "NODES", as: String.self)) else {
                    return (nil, "node \(port) does not answer")
                }
                let replica = view.first { $0.port == replicaPort }
                if replica?.primaryID != primaryID { return (nil, "node \(port) sees \(replica.map(\.description) ?? "nothing")") }
            }
            return (true, "")
        }
        for slot in slots {
            try await migrateSlot(slot, to: primaryPort, timeout: timeout)
        }
        return try await waitUntilHealthy(timeout: timeout)
    }

    /// Takes the shard of `primaryPort` (and its replicas) out of the cluster: its slots move
    /// with their keys to `targetPort` (default: the first other primary), every other node
    /// forgets it, and its nodes are emptied and reset so they stand alone again. Meant for
    /// the shard `addShard` made (every slot is one `migrateSlot`).
    @discardableResult
    func removeShard(primaryPort: Int, movingSlotsTo targetPort: Int? = nil, timeout: Duration = .seconds(60)) async throws -> [Node] {
        let step = "remove shard \(primaryPort)"
        try requireDestructive(step)
        try requireOwnPort(primaryPort, step)
        let before = try await nodes()
        guard let primary = before.first(where: { $0.port == primaryPort }), primary.isPrimary else {
            throw error(step, "\(primaryPort) is not a primary: \(before)")
        }
        guard let target = before.first(where: { $0.isPrimary && $0.slotCount > 0 && $0.port != primaryPort && (targetPort == nil || $0.port == targetPort) }) else {
            throw error(step, "no other primary \(targetPort.map { "on \($0) " } ?? "")to take its slots")
        }
        let leaving = before.filter { $0.id == primary.id || $0.primaryID == primary.id }
        for range in primary.slots {
            for slot in range {
                try await migrateSlot(slot, to: target.port, timeout: timeout)
            }
        }
        // Forget first (a forgotten node is banned from being re-learned for 60 s), then reset
        // the leaving nodes before the ban runs out.
        let staying = before.filter { node in !leaving.contains { $0.id == node.id } && !node.isFailingOrUnknown }
        for node in staying {
            for gone in leaving {
                try await sendOK(node.port, ["CLUSTER", "FORGET", gone.id], step, "CLUSTER FORGET \(gone.port) on \(node.port)")
            }
        }
        for gone in leaving {
            try await resetNode(gone.port, step)
        }
        return try await waitUntilHealthy(timeout: timeout)
    }

    /// A spare that is already alone and empty stays as it is; otherwise it is reset.
    private func makeEmpty(_ port: Int, _ step: String) async throws {
        let view = try await nodes(askingPort: port)
        let keys = try await send(port, "DBSIZE", as: Int.self)
        if view.count == 1, keys == 0, view.first?.slotCount == 0 { return }
        try await resetNode(port, step)
    }

    /// Empties the node and makes it forget the cluster (new node ID, epochs 0).
    func resetNode(_ port: Int, _ step: String) async throws {
        let me = try await nodes(askingPort: port).first(where: \.isMyself)
        // A replica refuses FLUSHALL; CLUSTER RESET empties a replica by itself.
        if me?.isPrimary ?? true { try await sendOK(port, ["FLUSHALL"], step, "FLUSHALL on \(port)") }
        try await sendOK(port, ["CLUSTER", "RESET", "HARD"], step, "CLUSTER RESET HARD on \(port)")
    }
}
