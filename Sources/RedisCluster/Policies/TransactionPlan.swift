import Redis

/// The checks a cluster transaction passes before anything is sent: no transaction-control
/// command inside, and every key of every command in one slot (the slot's owner runs it).
///
/// ```swift
/// try TransactionPlan([RedisCommand("SET", "{u}a", 1), RedisCommand("INCR", "{u}b")]).slot   // slot of "u"
/// try TransactionPlan([RedisCommand("SET", "a", 1), RedisCommand("SET", "b", 1)])
/// // throws RedisClusterError .crossSlot([a (slot 15495), b (slot 3300)])
/// ```
public struct TransactionPlan: Sendable {
    public let commands: [RedisCommand]
    /// The slot every key hashes to; nil when no command has a key (any primary runs it).
    public let slot: Int?

    /// Commands that would break the `MULTI … EXEC` the client wraps around the commands.
    static let controlCommands: Set<String> = ["MULTI", "EXEC", "DISCARD", "WATCH", "UNWATCH", "RESET"]

    public init(_ commands: [RedisCommand]) throws {
        var slot: Int?
        var crossed = false
        for command in commands {
            let name = command.name
            if Self.controlCommands.contains(name) { throw ClusterTransactionError(.invalidCommand(name)) }
            switch CommandRouter.route(command) {
            case .slot(let keySlot):
                if let slot, slot != keySlot { crossed = true }
                slot = slot ?? keySlot
            case .crossSlot:
                crossed = true
            case .keyless:
                break
            }
        }
        if crossed {
            throw RedisClusterError(.crossSlot(commands.flatMap(CommandRouter.keySlots)), command: "MULTI")
        }
        self.commands = commands
        self.slot = slot
    }
}
