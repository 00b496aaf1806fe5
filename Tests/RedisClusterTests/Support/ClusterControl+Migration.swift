import RESP
import SwiftEV

extension ClusterControl {
    /// A slot caught in the middle of a migration: the source answers `ASK` for keys it no
    /// longer has, the target accepts them after `ASKING`. End it with `finish(_:)`.
    struct SlotMigration: Sendable, CustomStringConvertible {
        let slot: Int
        let sourcePort: Int
        let sourceID: String
        let targetPort: Int
        let targetID: String
        let keysPerStep: Int
        /// Keys moved to the target so far.
        var keysMoved: Int

        var description: String { "slot \(slot) from \(sourcePort) to \(targetPort) (\(keysMoved) keys moved)" }
    }

    /// Moves `slot` with its keys to the primary on `targetPort`, as an operator would:
    /// `SETSLOT IMPORTING` on the target, `SETSLOT MIGRATING` on the source, `MIGRATE` of
    /// `keysPerStep` keys at a time until the source has none left, then `SETSLOT NODE` on the
    /// target, the source and every other primary; returns once every node agrees.
    func migrateSlot(_ slot: Int, to targetPort: Int, keysPerStep: Int = 100, timeout: Duration = .seconds(30)) async throws {
        let migration = try await beginSlotMigration(slot, to: targetPort, keysPerStep: keysPerStep, stopHalfway: false)
        try await finish(migration, timeout: timeout)
    }

    /// Starts moving `slot` to `targetPort` and stops with about half of its keys moved
    /// (`stopHalfway`), so a client meets real `ASK` replies; `finish` completes it.
    func beginSlotMigration(_ slot: Int, to targetPort: Int, keysPerStep: Int = 100, stopHalfway: Bool = true) async throws -> SlotMigration {
        let step = "migrate slot \(slot) to \(targetPort)"
        try requireDestructive(step)
        try requireOwnPort(targetPort, step)
        guard (0..<SlotKeys.slotCount).contains(slot), keysPerStep > 0 else {
            throw error(step, "slot must be in 0..<16384 and keysPerStep > 0")
        }
        let source = try await owner(ofSlot: slot)
        guard source.port != targetPort else { throw error(step, "\(targetPort) already owns it") }
        guard let target = try await nodes().first(where: { $0.port == targetPort }), target.isPrimary else {
            throw error(step, "\(targetPort) is not a primary member of the cluster")
        }
        try await sendOK(targetPort, ["CLUSTER", "SETSLOT", slot, "IMPORTING", source.id], step, "SETSLOT IMPORTING on \(targetPort)")
        try await sendOK(source.port, ["CLUSTER", "SETSLOT", slot, "MIGRATING", target.id], step, "SETSLOT MIGRATING on \(source.port)")
        var migration = SlotMigration(
            slot: slot, sourcePort: source.port, sourceID: source.id, targetPort: targetPort, targetID: target.id,
            keysPerStep: keysPerStep, keysMoved: 0
        )
        if stopHalfway {
            let total = try await send(source.port, ["CLUSTER", "COUNTKEYSINSLOT", slot]).decode(as: Int.self)
            try await moveKeys(&migration, limit: total / 2)
        }
        return migration
    }

    /// Moves the remaining keys and hands the slot to the target on every primary; returns
    /// once every node agrees the target owns it.
    func finish(_ migration: SlotMigration, timeout: Duration = .seconds(30)) async throws {
        var migration = migration
        let step = "finish migrating \(migration)"
        try await moveKeys(&migration, limit: nil)
        // Target first, then source (from then on it answers MOVED), then everyone else, as
        // the cluster specification orders it.
        try await sendOK(migration.targetPort, ["CLUSTER", "SETSLOT", migration.slot, "NODE", migration.targetID], step, "SETSLOT NODE on target")
        try await setSlotNode(migration, on: migration.sourcePort, step)
        for primary in try await nodes() where primary.isPrimary && ![migration.sourcePort, migration.targetPort].contains(primary.port) {
            if primary.isFailingOrUnknown { continue }
            try await setSlotNode(migration, on: primary.port, step)
        }
        try await waitUntil("every node sees slot \(migration.slot) on \(migration.targetPort)", timeout: timeout) { () async -> (value: Bool?, reason: String) in
            for port in ports + sparePorts {
                guard let view = try? Node.parse(await send(port, "CLUSTER", "NODES", as: String.self)), view.count > 1 else { continue }
                guard let owner = view.first(where: { $0.isPrimary && $0.owns(slot: migration.slot) }), owner.id == migration.targetID else {
                    return (nil, "node \(port) sees the slot on \(view.first { $0.isPrimary && $0.owns(slot: migration.slot) }.map(\.description) ?? "nobody")")
                }
                if let me = view.first(where: \.isMyself), me.migrating[migration.slot] != nil || me.importing[migration.slot] != nil {
                    return (nil, "node \(port) still marks the slot migrating/importing")
                }
            }
            return (true, "")
        }
    }

    /// `SETSLOT <slot> NODE <target>` on a primary other than the target. A source that just
    /// gave away its last slot has already turned into the target's replica
    /// (`cluster-allow-replica-migration`) and refuses SETSLOT; it knows the owner anyway.
    private func setSlotNode(_ migration: SlotMigration, on port: Int, _ step: String) async throws {
        do {
            try await sendOK(port, ["CLUSTER", "SETSLOT", migration.slot, "NODE", migration.targetID], step, "SETSLOT NODE on \(port)")
        } catch {
            let me = try await nodes(askingPort: port).first(where: \.isMyself)
            guard let me, !me.isPrimary else { throw error }
        }
    }

    /// MIGRATEs keys of the slot from source to target, `keysPerStep` at a time, until `limit`
    /// keys moved (nil: until the source has none left).
    private func moveKeys(_ migration: inout SlotMigration, limit: Int?) async throws {
        let step = "move keys of \(migration)"
        var moved = 0
        while limit.map({ moved < $0 }) ?? true {
            let batch = min(migration.keysPerStep, limit.map { $0 - moved } ?? migration.keysPerStep)
            let keys = try await send(migration.sourcePort, ["CLUSTER", "GETKEYSINSLOT", migration.slot, batch]).decode(as: [ByteBuffer].self)
            if keys.isEmpty { break }
            let arguments: [any RESPArgument] = ["MIGRATE", Self.host, migration.targetPort, "", 0, 10_000, "KEYS"] + keys
            let reply = try await send(migration.sourcePort, arguments)
            // NOKEY: the keys expired or were deleted between the two commands.
            guard let text = try? reply.decode(as: String.self), text == "OK" || text == "NOKEY" else {
                throw error(step, "MIGRATE replied \(reply)")
            }
            moved += keys.count
            migration.keysMoved += keys.count
        }
    }

    /// Sends a command that must answer `OK`; anything else throws, naming `what` and `step`.
    func sendOK(_ port: Int, _ arguments: [any RESPArgument], _ step: String, _ what: String) async throws {
        let reply: RESPValue
        do {
            reply = try await send(port, arguments)
        } catch {
            throw self.error(step, "\(what): \(error)")
        }
        guard (try? reply.decode(as: String.self)) == "OK" else { throw error(step, "\(what) replied \(reply)") }
    }
}
