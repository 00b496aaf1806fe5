/// One command or subcommand that gets a typed method: its name, words, arguments and reply.
struct TypedCommand {
    /// The server's name: `get`, `client|kill`.
    var name: String
    /// What is written on the wire before the arguments: `["CLIENT", "KILL"]`.
    var words: [String]
    var method: String
    var group: String
    var summary: String
    var since: String?
    var complexity: String?
    var writes: Bool
    var arguments: [TypedArgument]
    var reply: String

    /// The enum prefix of its option types: `ClientKill` → `ClientKillFilter`.
    var typePrefix: String { SwiftName.upperCamel(name) }

    /// The command as the docs write it: `SET key value [NX | XX] [GET] …`.
    var synopsis: String {
        ([words.joined(separator: " ")] + arguments.map(Self.synopsis)).joined(separator: " ")
    }

    private static func synopsis(_ argument: TypedArgument) -> String {
        var core: String
        var tokenized = argument.token
        switch argument.kind {
        case .key, .string, .integer, .double: core = argument.name
        case .token:
            core = argument.token ?? argument.name
            tokenized = nil
        case .oneOf(let children): core = children.map(synopsis).joined(separator: " | ")
        case .block(let children): core = children.map(synopsis).joined(separator: " ")
        }
        var text: String
        if argument.multiple {
            if let token = tokenized, argument.tokenPerElement { core = "\(token) \(core)" }
            text = "\(core) [\(core) ...]"
            if let token = tokenized, !argument.tokenPerElement { text = "\(token) \(text)" }
        } else {
            text = tokenized.map { "\($0) \(core)" } ?? core
        }
        if argument.optional { return "[\(text)]" }
        if case .oneOf = argument.kind, !argument.multiple { return "<\(text)>" }
        return text
    }
}
