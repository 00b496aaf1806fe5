import Foundation

extension ClusterControl {
    /// The layout `scripts/redis-cluster.sh` creates: primary k on `ports[k]` owning the k-th
    /// third of the slots, its replica on `ports[k + P]`.
    struct ShardLayout: Sendable, Equatable, CustomStringConvertible {
        let primaryPort: Int
        let replicaPort: Int?
        let slots: ClosedRange<Int>
        var description: String { "\(primaryPort)\(replicaPort.map { "+\($0)" } ?? "") \(slots)" }
    }

    /// The original shards of this cluster.
    nonisolated var originalLayout: [ShardLayout] {
        let replicas = name == "hostname" ? 0 : 1
        let primaries = ports.count / (replicas + 1)
        let bounds = primaries == 3 ? [0, 5461, 10923, 16384] : (0...primaries).map { $0 * SlotKeys.slotCount / primaries }
        return (0..<primaries).map { k in
            ShardLayout(
                primaryPort: ports[k], replicaPort: replicas == 1 ? ports[primaries + k] : nil,
                slots: bounds[k]...(bounds[k + 1] - 1)
            )
        }
    }

    /// Whether `nodes` is the original layout (same ports in the same roles, same slots,
    /// spares not in the cluster).
    nonisolated func isOriginalLayout(_ nodes: [Node]) -> Bool {
        guard nodes.count == ports.count else { return false }
        for shard in originalLayout {
            guard let primary = nodes.first(where: { $0.port == shard.primaryPort }), primary.isPrimary,
                primary.slots == [shard.slots]
            else { return false }
            if let replicaPort = shard.replicaPort {
                guard let replica = nodes.first(where: { $0.port == replicaPort }), replica.primaryID == primary.id else { return false }
            }
        }
        return true
    }

    /// Puts the scratch cluster back to its original 3+3 layout and slot ranges, healthy, with
    /// the spares alone again. In place when that is cheap (fail back swapped shards, move
    /// back up to `maxSlotsToMoveBack` slots, remove an added shard), otherwise, or when that
    /// fails, through `scripts/redis-cluster.sh reset` (new node IDs, all keys gone).
    func restoreLayout(maxSlotsToMoveBack: Int = 64, timeout: Duration = .seconds(60)) async throws {
        try requireDestructive("restore layout")
        do {
            try await restoreInPlace(maxSlotsToMoveBack: maxSlotsToMoveBack, timeout: timeout)
        } catch {
            try await resetWithScript()
        }
        let nodes = try await waitUntilHealthy(timeout: timeout)
        guard isOriginalLayout(nodes) else {
            throw self.error("restore layout", "still not the original layout \(originalLayout): \(nodes)")
        }
        for port in sparePorts {
            let view = try await self.nodes(askingPort: port)
            guard view.count == 1 else { throw self.error("restore layout", "spare \(port) still knows \(view)") }
        }
    }

    private func restoreInPlace(maxSlotsToMoveBack: Int, timeout: Duration) async throws {
        let step = "restore in place"
        // A dead node: the reset restarts it, quicker than waiting for health that cannot come.
        for port in ports + sparePorts where (try? await send(port, "PING")) == nil {
            throw error(step, "node \(port) does not answer")
        }
        var nodes = try await waitUntilHealthy(timeout: .seconds(5))
        // An added shard goes first, its slots back to their original owners below.
        for spare in sparePorts {
            if let node = nodes.first(where: { $0.port == spare }), node.isPrimary {
                let original = originalLayout.first { shard in node.slots.first.map { shard.slots.contains($0.lowerBound) } ?? true }
                nodes = try await removeShard(primaryPort: spare, movingSlotsTo: original?.primaryPort ?? ports[0], timeout: timeout)
            }
        }
        if nodes.contains(where: { sparePorts.contains($0.port) }) || nodes.count != ports.count {
            throw error(step, "members are not the original nodes: \(nodes)")
        }
        for shard in originalLayout {
            guard let replicaPort = shard.replicaPort,
                let primary = nodes.first(where: { $0.port == shard.primaryPort }),
                let replica = nodes.first(where: { $0.port == replicaPort })
            else { continue }
            if !primary.isPrimary && primary.primaryID == replica.id {
                try await failover(replicaPort: shard.primaryPort, timeout: timeout)
            } else if !(primary.isPrimary && replica.primaryID == primary.id) {
                throw error(step, "shard \(shard) is mixed up: \(primary), \(replica)")
            }
        }
        nodes = try await self.nodes()
        var misplaced: [(slot: Int, port: Int)] = []
        for shard in originalLayout {
            guard let owner = nodes.first(where: { $0.port == shard.primaryPort }) else { continue }
            for slot in shard.slots where !owner.owns(slot: slot) {
                misplaced.append((slot, shard.primaryPort))
                if misplaced.count > maxSlotsToMoveBack {
                    throw error(step, "more than \(maxSlotsToMoveBack) slots away from their original owner")
                }
            }
        }
        for (slot, port) in misplaced {
            try await migrateSlot(slot, to: port, timeout: timeout)
        }
        for spare in sparePorts where try await self.nodes(askingPort: spare).count > 1 {
            try await resetNode(spare, step)
        }
    }

    /// Runs `scripts/redis-cluster.sh --name scratch ... reset` on this cluster's ports.
    func resetWithScript() async throws {
        let step = "scripts/redis-cluster.sh reset"
        guard name == "scratch" else { throw error(step, "only the scratch cluster may be reset") }
        dropAllConnections()
        configFiles = [:]
        // Tests/RedisClusterTests/Support/<this file> → the repository root.
        let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        let script = repository.appendingPathComponent("scripts/redis-cluster.sh")
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("swiftev-reset-\(ports[0])-\(getpid()).log").path
        defer { try? FileManager.default.removeItem(atPath: output) }
        let status = try await ChildProcess.run(
            [
                script.path, "--name", name, "--base-port", String(ports[0]),
                "--spare-ports", sparePorts.map(String.init).joined(separator: ","), "reset",
            ],
            outputPath: output, timeout: .seconds(90)
        )
        let text = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
        guard status == 0 else { throw error(step, "exited with \(status):\n\(text)") }
    }
}
