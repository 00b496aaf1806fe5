import Redis

/// Where a command must go, from its keys.
public enum CommandRoute: Sendable, Equatable {
    /// Every key of the command hashes to this slot.
    case slot(Int)
    /// The command has no keys: any primary can serve it.
    case keyless
    /// The keys hash to different slots; the server would answer CROSSSLOT. Lists each key
    /// (lossily decoded for the message) with its slot.
    case crossSlot([KeySlot])

    public struct KeySlot: Sendable, Equatable, CustomStringConvertible {
        public var key: String
        public var slot: Int
        public var description: String { "\(key) (slot \(slot))" }
    }
}
