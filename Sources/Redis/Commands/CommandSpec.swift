/// What the server says about one command or subcommand: arity, flags, ACL categories, where
/// its keys are (key specs) and how a cluster client should fan it out (tips).
///
/// Generated from redis-server's own `COMMAND` output (see `CommandTable`); find one with
/// `CommandTable.spec(for:)` or `CommandTable.spec(named:)`.
///
/// ```swift
/// let kill = CommandTable.spec(named: "CLIENT KILL")!
/// kill.name                       // "client|kill", the server's own spelling
/// kill.flags.contains(.admin)     // true
/// CommandTable.spec(named: "MGET")!.keySpecs[0].findKeys   // .range(lastKey: -1, keyStep: 1, limit: 0)
/// ```
public struct CommandSpec: Sendable, Hashable {
    /// The server's name: lower case, a subcommand as `parent|sub` (`client|kill`).
    public let name: String
    /// Number of arguments including the name; negative means "at least -arity".
    public let arity: Int
    public let flags: CommandFlags
    public let aclCategories: ACLCategories
    /// The legacy key positions (`COMMAND`'s first key, last key, step); the key specs say more.
    public let firstKey: Int
    public let lastKey: Int
    public let keyStep: Int
    /// Where the keys are, in the server's order.
    public let keySpecs: [KeySpec]
    public let tips: CommandTips
    /// `COMMAND DOCS`' group (`string`, `server`, `cluster`…), empty when the server gave none.
    public let group: String
    /// `COMMAND DOCS`' `since` (the first server version with the command).
    public let since: String
    /// A container's subcommands (`CLIENT`, `XINFO`…), sorted by name; empty otherwise.
    public let subcommands: [CommandSpec]

    public init(
        name: String, arity: Int, flags: CommandFlags = [], aclCategories: ACLCategories = [],
        firstKey: Int = 0, lastKey: Int = 0, keyStep: Int = 0, keySpecs: [KeySpec] = [],
        tips: CommandTips = CommandTips(), group: String = "", since: String = "", subcommands: [CommandSpec] = []
    ) {
        self.name = name
        self.arity = arity
        self.flags = flags
        self.aclCategories = aclCategories
        self.firstKey = firstKey
        self.lastKey = lastKey
        self.keyStep = keyStep
        self.keySpecs = keySpecs
        self.tips = tips
        self.group = group
        self.since = since
        self.subcommands = subcommands
    }

    /// The command only reads data (`readonly` flag).
    public var isReadOnly: Bool { flags.contains(.readonly) }
}

/// `COMMAND`'s command flags.
public struct CommandFlags: OptionSet, Sendable, Hashable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    public static let write = CommandFlags(rawValue: 1 << 0)
    public static let readonly = CommandFlags(rawValue: 1 << 1)
    public static let denyOOM = CommandFlags(rawValue: 1 << 2)
    public static let module = CommandFlags(rawValue: 1 << 3)
    public static let admin = CommandFlags(rawValue: 1 << 4)
    public static let pubsub = CommandFlags(rawValue: 1 << 5)
    public static let noScript = CommandFlags(rawValue: 1 << 6)
    public static let blocking = CommandFlags(rawValue: 1 << 7)
    public static let loading = CommandFlags(rawValue: 1 << 8)
    public static let stale = CommandFlags(rawValue: 1 << 9)
    public static let skipMonitor = CommandFlags(rawValue: 1 << 10)
    public static let skipSlowlog = CommandFlags(rawValue: 1 << 11)
    public static let asking = CommandFlags(rawValue: 1 << 12)
    public static let fast = CommandFlags(rawValue: 1 << 13)
    public static let noAuth = CommandFlags(rawValue: 1 << 14)
    public static let mayReplicate = CommandFlags(rawValue: 1 << 15)
    public static let noMandatoryKeys = CommandFlags(rawValue: 1 << 16)
    public static let noAsyncLoading = CommandFlags(rawValue: 1 << 17)
    public static let noMulti = CommandFlags(rawValue: 1 << 18)
    public static let movableKeys = CommandFlags(rawValue: 1 << 19)
    public static let allowBusy = CommandFlags(rawValue: 1 << 20)
    public static let allowCrossSlot = CommandFlags(rawValue: 1 << 21)
}

/// `COMMAND`'s ACL categories (`@read`, `@string`…).
public struct ACLCategories: OptionSet, Sendable, Hashable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    public static let keyspace = ACLCategories(rawValue: 1 << 0)
    public static let read = ACLCategories(rawValue: 1 << 1)
    public static let write = ACLCategories(rawValue: 1 << 2)
    public static let set = ACLCategories(rawValue: 1 << 3)
    public static let sortedSet = ACLCategories(rawValue: 1 << 4)
    public static let list = ACLCategories(rawValue: 1 << 5)
    public static let hash = ACLCategories(rawValue: 1 << 6)
    public static let string = ACLCategories(rawValue: 1 << 7)
    public static let bitmap = ACLCategories(rawValue: 1 << 8)
    public static let hyperLogLog = ACLCategories(rawValue: 1 << 9)
    public static let geo = ACLCategories(rawValue: 1 << 10)
    public static let stream = ACLCategories(rawValue: 1 << 11)
    public static let pubsub = ACLCategories(rawValue: 1 << 12)
    public static let admin = ACLCategories(rawValue: 1 << 13)
    public static let fast = ACLCategories(rawValue: 1 << 14)
    public static let slow = ACLCategories(rawValue: 1 << 15)
    public static let blocking = ACLCategories(rawValue: 1 << 16)
    public static let dangerous = ACLCategories(rawValue: 1 << 17)
    public static let connection = ACLCategories(rawValue: 1 << 18)
    public static let transaction = ACLCategories(rawValue: 1 << 19)
    public static let scripting = ACLCategories(rawValue: 1 << 20)
}

/// `COMMAND`'s tips: how a cluster client should send a keyless command and merge the replies.
public struct CommandTips: Sendable, Hashable {
    /// `request_policy:…`: which nodes to send the command to.
    public enum RequestPolicy: String, Sendable, Hashable {
        case allNodes = "all_nodes", allShards = "all_shards", multiShard = "multi_shard", special
    }

    /// `response_policy:…`: how to merge the replies of a fanned-out command.
    public enum ResponsePolicy: String, Sendable, Hashable {
        case oneSucceeded = "one_succeeded", allSucceeded = "all_succeeded"
        case aggLogicalAnd = "agg_logical_and", aggLogicalOr = "agg_logical_or"
        case aggMin = "agg_min", aggMax = "agg_max", aggSum = "agg_sum", special
    }

    public var requestPolicy: RequestPolicy?
    public var responsePolicy: ResponsePolicy?
    /// `nondeterministic_output`: the same command may answer differently (`RANDOMKEY`, `TIME`).
    public var nondeterministicOutput: Bool
    /// `nondeterministic_output_order`: the same elements in any order (`KEYS`, `SMEMBERS`).
    public var nondeterministicOutputOrder: Bool

    public init(
        requestPolicy: RequestPolicy? = nil, responsePolicy: ResponsePolicy? = nil,
        nondeterministicOutput: Bool = false, nondeterministicOutputOrder: Bool = false
    ) {
        self.requestPolicy = requestPolicy
        self.responsePolicy = responsePolicy
        self.nondeterministicOutput = nondeterministicOutput
        self.nondeterministicOutputOrder = nondeterministicOutputOrder
    }
}

/// One key spec: where a run of keys starts (`beginSearch`) and how to find them from there
/// (`findKeys`). Argument indices count the command name as 0.
///
/// ```swift
/// // XREAD … STREAMS k1 k2 id1 id2: after the keyword, the first half of what follows
/// KeySpec(flags: [.readOnly, .access], beginSearch: .keyword("STREAMS", startFrom: 1),
///         findKeys: .range(lastKey: -1, keyStep: 1, limit: 2))
/// ```
public struct KeySpec: Sendable, Hashable {
    public enum BeginSearch: Sendable, Hashable {
        /// The first key is at this argument index.
        case index(Int)
        /// The first key follows `keyword` (matched case-insensitively), searched from
        /// `startFrom` forwards, or backwards from the end when negative.
        case keyword(String, startFrom: Int)
        /// The server finds these keys with its own code (`SORT … STORE`).
        case unknown
    }

    public enum FindKeys: Sendable, Hashable {
        /// Keys up to `lastKey` (relative to the first key; negative counts from the end),
        /// every `keyStep`; with a `limit` > 0 and a negative `lastKey`, only 1/limit of the
        /// remaining arguments are keys.
        case range(lastKey: Int, keyStep: Int, limit: Int)
        /// The argument at `keyNumIndex` (relative to the begin index) gives the number of
        /// keys, which start `firstKey` after the begin index, every `keyStep`.
        case keyNum(keyNumIndex: Int, firstKey: Int, keyStep: Int)
        case unknown
    }

    public let flags: KeySpecFlags
    public let beginSearch: BeginSearch
    public let findKeys: FindKeys

    public init(flags: KeySpecFlags = [], beginSearch: BeginSearch, findKeys: FindKeys) {
        self.flags = flags
        self.beginSearch = beginSearch
        self.findKeys = findKeys
    }
}

/// A key spec's flags: how the command uses those keys.
public struct KeySpecFlags: OptionSet, Sendable, Hashable {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    /// `RO`: read-only access.
    public static let readOnly = KeySpecFlags(rawValue: 1 << 0)
    /// `RW`: read and write.
    public static let readWrite = KeySpecFlags(rawValue: 1 << 1)
    /// `OW`: overwrites the key.
    public static let overwrite = KeySpecFlags(rawValue: 1 << 2)
    /// `RM`: deletes the key.
    public static let remove = KeySpecFlags(rawValue: 1 << 3)
    public static let access = KeySpecFlags(rawValue: 1 << 4)
    public static let update = KeySpecFlags(rawValue: 1 << 5)
    public static let insert = KeySpecFlags(rawValue: 1 << 6)
    public static let delete = KeySpecFlags(rawValue: 1 << 7)
    /// `not_key`: a name in the key position that is not a key (no slot to route by).
    public static let notKey = KeySpecFlags(rawValue: 1 << 8)
    /// `incomplete`: the spec may miss some keys.
    public static let incomplete = KeySpecFlags(rawValue: 1 << 9)
    public static let variableFlags = KeySpecFlags(rawValue: 1 << 10)
}
