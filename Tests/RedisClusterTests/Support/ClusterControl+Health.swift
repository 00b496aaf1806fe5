import RESP

extension ClusterControl {
    /// Waits until the cluster is whole again and returns its nodes: every member answers and
    /// sees the same members, roles and slots; nobody is flagged fail/pfail/handshake/noaddr;
    /// all 16384 slots are owned and none is migrating or importing; every primary with slots
    /// has `replicasPerPrimary` replicas, linked and in sync; `cluster_state:ok` everywhere; and
    /// `CLUSTER SHARDS` reports every node `online`.
    @discardableResult
    func waitUntilHealthy(timeout: Duration = .seconds(30), replicasPerPrimary: Int? = nil) async throws -> [Node] {
        let replicas = replicasPerPrimary ?? (name == "hostname" ? 0 : 1)
        return try await waitUntil("healthy cluster", timeout: timeout) {
            do {
                let (nodes, problem) = try await healthProblem(replicasPerPrimary: replicas)
                return (problem == nil ? nodes : nil, problem ?? "")
            } catch {
                return (nil, "\(error)")
            }
        }
    }

    /// The members and, when the cluster is not healthy, the first thing that is wrong.
    func healthProblem(replicasPerPrimary: Int) async throws -> (nodes: [Node], problem: String?) {
        // Every node of ours that answers, and its view.
        var views: [Int: [Node]] = [:]
        var silent: [Int] = []
        for port in ports + sparePorts {
            do {
                views[port] = Node.parse(try await send(port, "CLUSTER", "NODES", as: String.self))
            } catch {
                silent.append(port)
            }
        }
        // The reference view: the first of the cluster's own ports that answers.
        guard let reference = ports.lazy.compactMap({ views[$0] }).first else {
            return ([], "no node of \(ports) answers")
        }
        let nodes = reference.sorted { $0.port < $1.port }
        let key = Node.agreementKey(reference)
        for member in nodes {
            guard let view = views[member.port] else {
                return (nodes, "member \(member.port) does not answer")
            }
            if Node.agreementKey(view) != key {
                return (nodes, "node \(member.port) sees \(view.sorted { $0.port < $1.port }), node \(nodes.first(where: \.isMyself)?.port ?? 0) sees \(nodes)")
            }
            if let bad = view.first(where: { $0.isFailingOrUnknown || !$0.linkConnected }) {
                return (nodes, "node \(member.port) sees \(bad)")
            }
            if let me = view.first(where: \.isMyself), let (slot, other) = me.migrating.first ?? me.importing.first {
                return (nodes, "node \(member.port) still has slot \(slot) migrating/importing (with \(other.prefix(8)))")
            }
        }
        // Ports of ours that are not members must be spares standing alone (or silent spares).
        for port in ports where !nodes.contains(where: { $0.port == port }) {
            return (nodes, "node \(port) is not a member (silent: \(silent.contains(port)))")
        }
        let primaries = nodes.filter { $0.isPrimary && $0.slotCount > 0 }
        let covered = primaries.reduce(0) { $0 + $1.slotCount }
        if covered != SlotKeys.slotCount {
            return (nodes, "primaries own \(covered) of \(SlotKeys.slotCount) slots")
        }
        for primary in primaries {
            let count = nodes.filter { $0.primaryID == primary.id }.count
            if count != replicasPerPrimary {
                return (nodes, "primary \(primary.port) has \(count) replicas, expected \(replicasPerPrimary)")
            }
        }
        for member in nodes {
            let clusterInfo = try await send(member.port, "CLUSTER", "INFO", as: String.self)
            if !clusterInfo.contains("cluster_state:ok") {
                return (nodes, "node \(member.port) is not cluster_state:ok")
            }
            if !member.isPrimary {
                let replication = try await info(member.port, "replication")
                if replication["master_link_status"] != "up" || replication["master_sync_in_progress"] != "0" {
                    return (nodes, "replica \(member.port): link \(replication["master_link_status"] ?? "?"), sync in progress \(replication["master_sync_in_progress"] ?? "?")")
                }
            }
        }
        for member in nodes {
            let health = try await shardHealth(member.port)
            if let bad = health.first(where: { $0.value != "online" }) {
                if bad.value == "loading" { await pokePrimaries(nodes) }
                return (nodes, "CLUSTER SHARDS on \(member.port): node \(bad.key) is \(bad.value)")
            }
            if health.count != nodes.count {
                return (nodes, "CLUSTER SHARDS on \(member.port) lists \(health.count) nodes, CLUSTER NODES \(nodes.count)")
            }
        }
        return (nodes, nil)
    }

    /// port → `health` of every node in `CLUSTER SHARDS` as node `port` answers it.
    func shardHealth(_ port: Int) async throws -> [Int: String] {
        var health: [Int: String] = [:]
        for shard in try await send(port, "CLUSTER", "SHARDS").decode(as: [[String: RESPValue]].self) {
            for node in try shard["nodes"]?.decode(as: [[String: RESPValue]].self) ?? [] {
                let nodePort = try node["port"]?.decode(as: Int.self) ?? 0
                health[nodePort] = try node["health"]?.decode(as: String.self) ?? "?"
            }
        }
        return health
    }

    /// A replica counts as `loading` in CLUSTER SHARDS until its replication offset moves off
    /// zero; a write on each primary moves it. The key is deleted at once, so tests that count
    /// keys in a slot do not see it.
    func pokePrimaries(_ nodes: [Node]) async {
        for primary in nodes where primary.isPrimary {
            guard let slot = primary.slots.first?.lowerBound else { continue }
            let key = "{\(SlotKeys.tag(forSlot: slot))}:swiftev:control:poke"
            _ = try? await send(primary.port, ["SET", key, "1", "PX", "1000"])
            _ = try? await send(primary.port, ["DEL", key])
        }
    }

    /// Waits until every answering member sees the node on `port` as a primary owning `slots`
    /// (nil: any slots) and returns it.
    @discardableResult
    func waitUntilAllAgree(primaryPort port: Int, owns slots: [ClosedRange<Int>]? = nil, timeout: Duration) async throws -> Node {
        try await waitUntil("every node sees \(port) as primary", timeout: timeout) {
            do {
                var result: Node?
                for member in try await nodes() {
                    guard let view = try? Node.parse(await send(member.port, "CLUSTER", "NODES", as: String.self)) else {
                        if member.isFailingOrUnknown { continue }  // a dead member cannot agree
                        return (nil, "node \(member.port) does not answer")
                    }
                    guard let node = view.first(where: { $0.port == port }), node.isPrimary, node.slotCount > 0 else {
                        return (nil, "node \(member.port) sees \(view.first { $0.port == port }.map(\.description) ?? "no node \(port)")")
                    }
                    if let slots, node.slots != slots {
                        return (nil, "node \(member.port) sees \(node)")
                    }
                    result = node
                }
                return (result, "no member answered")
            } catch {
                return (nil, "\(error)")
            }
        }
    }
}
