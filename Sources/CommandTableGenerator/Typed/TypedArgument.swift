/// One `COMMAND DOCS` argument, checked and named for Swift.
///
/// Leaves become Swift values (`key` → `RedisKey`, `integer` → `Int`, …), a `pure-token` a
/// `Bool` (or nothing, when it is required), a `oneof` an enum, a `block` a tuple; `multiple`
/// makes an array and `optional` an optional with a default.
struct TypedArgument {
    indirect enum Kind {
        case key, string, integer, double, token
        case oneOf([TypedArgument])
        case block([TypedArgument])
    }

    var name: String
    /// The Swift label (unescaped), unique among its siblings.
    var label = ""
    var kind: Kind
    var token: String?
    var optional: Bool
    var multiple: Bool
    /// `multiple_token`: the token precedes every element, not the list.
    var tokenPerElement: Bool
    /// Set on a `numkeys` integer followed by a list of keys: the method writes that list's
    /// count itself instead of asking for it.
    var countOf: String?

    init(_ doc: CommandData.Argument, command: String) throws {
        name = doc.name
        token = doc.token
        let flags = Set(doc.flags ?? [])
        optional = flags.contains("optional")
        multiple = flags.contains("multiple")
        tokenPerElement = flags.contains("multiple_token")
        let children = try (doc.arguments ?? []).map { try TypedArgument($0, command: command) }
        switch doc.type {
        case "key": kind = .key
        case "string", "pattern": kind = .string
        case "integer", "unix-time": kind = .integer
        case "double": kind = .double
        case "pure-token": kind = .token
        case "oneof":
            // One of them is sent: an `optional` flag on a choice (CLIENT KILL's filters) adds nothing.
            kind = .oneOf(TypedArgument.labelled(children.map { var choice = $0; choice.optional = false; return choice }, overrides: [:]))
        case "block": kind = .block(TypedArgument.labelled(children, overrides: [:]))
        default: throw CommandTableGeneratorError.unknownArgumentType(command: command, argument: doc.name, type: doc.type)
        }
    }

    /// Gives siblings unique labels: the docs' name in lowerCamelCase (plural for a list), or
    /// the label in `overrides`; a repeated name takes its token's name (`STORE`, `STOREDIST`),
    /// then a number.
    static func labelled(_ arguments: [TypedArgument], overrides: [String: String]) -> [TypedArgument] {
        var taken = Set<String>()
        var out = arguments
        for i in out.indices {
            var label = overrides[out[i].name] ?? SwiftName.lowerCamel(out[i].name)
            if overrides[out[i].name] == nil, out[i].multiple, !label.hasSuffix("s") { label += "s" }
            if taken.contains(label), let token = out[i].token, !token.isEmpty, !SwiftName.words(token).isEmpty {
                label = SwiftName.lowerCamel(token)
            }
            var n = 2
            let base = label
            while taken.contains(label) {
                label = "\(base)\(n)"
                n += 1
            }
            taken.insert(label)
            out[i].label = label
        }
        // `numkeys` followed by a list of keys: the count comes from the list.
        for i in out.indices.dropLast() where out[i].name == "numkeys" {
            if case .integer = out[i].kind, case .key = out[i + 1].kind, out[i + 1].multiple, !out[i].optional {
                out[i].countOf = out[i + 1].label
            }
        }
        return out
    }

    /// A required token: written always, asks for nothing.
    var isConstant: Bool {
        if case .token = kind { return !optional }
        return false
    }

    /// Children that take a value from the caller (everything but required tokens).
    var valueChildren: [TypedArgument] {
        switch kind {
        case .block(let children), .oneOf(let children): return children.filter { !$0.isConstant && $0.countOf == nil }
        default: return []
        }
    }

    /// A token, or a block of nothing but required tokens: present or not, a `Bool`.
    var isFlag: Bool {
        switch kind {
        case .token: return true
        case .block: return valueChildren.isEmpty
        default: return false
        }
    }

    /// Whether the caller passes a value for this argument.
    var takesValue: Bool { countOf == nil && !(isFlag && !optional) }

    /// The number of RESP arguments one element writes (its token excluded), when fixed.
    var elementCount: Int? {
        switch kind {
        case .key, .string, .integer, .double: return 1
        case .token: return 0
        case .oneOf: return nil
        case .block(let children):
            var total = 0
            for child in children {
                guard let n = child.fixedCount else { return nil }
                total += n
            }
            return total
        }
    }

    /// The number of RESP arguments the whole argument writes, when fixed.
    var fixedCount: Int? {
        guard !optional, !multiple, let n = elementCount else { return nil }
        return n + (token == nil ? 0 : 1)
    }
}
