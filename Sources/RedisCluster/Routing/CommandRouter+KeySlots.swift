import Redis

extension CommandRouter {
    /// Every key of `command` with its slot (for CROSSSLOT errors that span several commands).
    static func keySlots(_ command: RedisCommand) -> [CommandRoute.KeySlot] {
        keys(in: command).map { CommandRoute.KeySlot(key: String(decoding: $0, as: UTF8.self), slot: HashSlot.slot(forKey: $0)) }
    }
}
