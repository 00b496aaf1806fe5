/// The dumped server data (`scripts/dump-command-table.py`): `COMMAND` entries with named
/// fields, and `COMMAND DOCS`. Only the fields the generator uses are decoded; anything else
/// in the file is ignored, so a newer server's extra fields do not break it.
struct CommandData: Decodable {
    struct Server: Decodable {
        var name: String?
        var version: String?
    }

    struct Command: Decodable {
        var name: String
        var arity: Int
        var flags: [String]
        var firstKey: Int
        var lastKey: Int
        var step: Int
        var aclCategories: [String]
        var tips: [String]
        var keySpecs: [KeySpec]
        var subcommands: [Command]

        enum CodingKeys: String, CodingKey {
            case name, arity, flags, step, tips, subcommands
            case firstKey = "first_key", lastKey = "last_key", aclCategories = "acl_categories", keySpecs = "key_specs"
        }

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            name = try c.decode(String.self, forKey: .name)
            arity = try c.decode(Int.self, forKey: .arity)
            flags = try c.decodeIfPresent([String].self, forKey: .flags) ?? []
            firstKey = try c.decodeIfPresent(Int.self, forKey: .firstKey) ?? 0
            lastKey = try c.decodeIfPresent(Int.self, forKey: .lastKey) ?? 0
            step = try c.decodeIfPresent(Int.self, forKey: .step) ?? 0
            aclCategories = try c.decodeIfPresent([String].self, forKey: .aclCategories) ?? []
            tips = try c.decodeIfPresent([String].self, forKey: .tips) ?? []
            keySpecs = try c.decodeIfPresent([KeySpec].self, forKey: .keySpecs) ?? []
            subcommands = try c.decodeIfPresent([Command].self, forKey: .subcommands) ?? []
        }
    }

    struct KeySpec: Decodable {
        struct Part: Decodable {
            var type: String
            var spec: [String: Scalar]
        }

        var flags: [String]
        var beginSearch: Part
        var findKeys: Part

        enum CodingKeys: String, CodingKey {
            case flags, beginSearch = "begin_search", findKeys = "find_keys"
        }
    }

    /// A key spec field: a number, or the keyword of a keyword search.
    enum Scalar: Decodable, Equatable {
        case int(Int)
        case string(String)

        init(from decoder: any Decoder) throws {
            let c = try decoder.singleValueContainer()
            if let value = try? c.decode(Int.self) { self = .int(value) } else { self = .string(try c.decode(String.self)) }
        }
    }

    struct Doc: Decodable {
        var group: String?
        var since: String?
        var summary: String?
        var complexity: String?
        var docFlags: [String]?
        var replacedBy: String?
        var arguments: [Argument]?
        var subcommands: [String: Doc]?

        enum CodingKeys: String, CodingKey {
            case group, since, summary, complexity, arguments, subcommands
            case docFlags = "doc_flags", replacedBy = "replaced_by"
        }
    }

    /// One argument of `COMMAND DOCS`: a leaf (`key`, `string`, `integer`, …), a `pure-token`,
    /// or a `oneof`/`block` of nested arguments.
    struct Argument: Decodable {
        var name: String
        var type: String
        var token: String?
        var flags: [String]?
        var arguments: [Argument]?
    }

    var server: Server?
    var commands: [Command]
    var docs: [String: Doc]?
}
