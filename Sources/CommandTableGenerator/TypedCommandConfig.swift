/// The project's own decisions about typed commands, committed beside the server's data
/// (`CommandData/typed-commands.json`): what 7.0's `COMMAND DOCS` cannot say.
///
/// - `excluded`: commands left without a typed method, each with the reason (they change the
///   state of the multiplexed connection, belong to another API, or are server internals).
/// - `replies`: the Swift type a command's reply decodes to. Redis 7.0 publishes no reply
///   schemas, so this table is written by hand for the commands whose reply has one shape;
///   every other command returns the raw `RESPValue`.
/// - `labels`: argument labels that read better than the docs' argument names
///   (`hset(_:fields:)` rather than `hset(_:fieldValue:)`).
///
/// ```json
/// {"excluded": {"multi": "transactions API"}, "replies": {"get": "ByteBuffer?"},
///  "labels": {"hset": {"field_value": "fields"}}}
/// ```
struct TypedCommandConfig: Decodable {
    var excluded: [String: String]
    var replies: [String: String]
    var labels: [String: [String: String]]

    init(excluded: [String: String] = [:], replies: [String: String] = [:], labels: [String: [String: String]] = [:]) {
        self.excluded = excluded
        self.replies = replies
        self.labels = labels
    }

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        excluded = try c.decodeIfPresent([String: String].self, forKey: .excluded) ?? [:]
        replies = try c.decodeIfPresent([String: String].self, forKey: .replies) ?? [:]
        labels = try c.decodeIfPresent([String: [String: String]].self, forKey: .labels) ?? [:]
    }

    enum CodingKeys: String, CodingKey { case excluded, replies, labels }

    /// The reply types a table entry may name: each is `RESPDecodable` in the `RESP` target
    /// (`Void` discards a status reply such as `OK`; server errors still throw).
    static let replyTypes: Set<String> = [
        "Void", "RESPValue", "Int", "Int?", "Bool", "Double", "Double?", "String", "String?",
        "ByteBuffer", "ByteBuffer?", "[Int]", "[Bool]", "[Double?]", "[String]", "[String?]",
        "[ByteBuffer]", "[ByteBuffer]?", "[ByteBuffer?]", "Set<ByteBuffer>",
        "[ByteBuffer: ByteBuffer]", "[String: String]",
    ]
}
