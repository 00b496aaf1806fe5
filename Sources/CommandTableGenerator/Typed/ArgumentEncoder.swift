/// Writes the Swift statements that encode arguments, in two passes over the same tree: one
/// that counts the RESP arguments (the array header comes first on the wire) and one that
/// writes them straight into the command's buffer. Nothing is built in between.
struct ArgumentEncoder {
    enum Mode { case count, write }

    /// The local names the generated code uses; no argument label can take them
    /// (labels are lowerCamelCase words, these are not).
    static let counter = "argc"
    static let buffer = "buffer"

    let mode: Mode
    private(set) var lines: [String] = []
    private var depth: Int
    private var fresh = 0

    init(mode: Mode, depth: Int) {
        self.mode = mode
        self.depth = depth
    }

    private mutating func line(_ text: String) {
        lines.append(String(repeating: "    ", count: depth) + text)
    }

    private mutating func block(_ header: String, _ body: (inout ArgumentEncoder) -> Void) {
        line(header + " {")
        depth += 1
        body(&self)
        depth -= 1
        line("}")
    }

    private mutating func name() -> String {
        defer { fresh += 1 }
        return "v\(fresh)"
    }

    mutating func token(_ token: String) {
        leaf(stringLiteral(token))
    }

    private mutating func leaf(_ expression: String) {
        switch mode {
        case .count: line("\(Self.counter) += 1")
        case .write: line("\(Self.buffer).writeRESPBulk(\(expression))")
        }
    }

    /// One argument whose value (if it takes one) is `expression`.
    mutating func argument(_ argument: TypedArgument, _ expression: String?) {
        if let list = argument.countOf {
            return leaf("\(SwiftName.escaped(list)).count")
        }
        let value = expression ?? "_"
        if argument.optional {
            if argument.isFlag {
                return block("if \(value)") { $0.present(argument, nil) }
            }
            if argument.multiple {
                return block("if !\(value).isEmpty") { $0.present(argument, value) }
            }
            if mode == .count, let n = argument.elementCount {
                return line("if \(value) != nil { \(Self.counter) += \(n + (argument.token == nil ? 0 : 1)) }")
            }
            let bound = name()
            return block("if let \(bound) = \(value)") { $0.present(argument, bound) }
        }
        present(argument, expression)
    }

    /// A present argument: its token, then its element or elements.
    mutating func present(_ argument: TypedArgument, _ expression: String?) {
        if mode == .count, !argument.multiple, let n = argument.elementCount {
            let total = n + (argument.token == nil ? 0 : 1)
            return total == 0 ? () : line("\(Self.counter) += \(total)")
        }
        guard argument.multiple, let list = expression else {
            if let token = argument.token { self.token(token) }
            return element(argument, expression)
        }
        if let token = argument.token, !argument.tokenPerElement { self.token(token) }
        if mode == .count, let n = argument.elementCount {
            let each = n + (argument.tokenPerElement && argument.token != nil ? 1 : 0)
            return line("\(Self.counter) += \(list).count\(each == 1 ? "" : " * \(each)")")
        }
        let item = name()
        block("for \(item) in \(list)") { encoder in
            if let token = argument.token, argument.tokenPerElement { encoder.token(token) }
            encoder.element(argument, item)
        }
    }

    /// One element, its token already written.
    mutating func element(_ argument: TypedArgument, _ expression: String?) {
        switch argument.kind {
        case .key, .string, .integer, .double:
            leaf(expression ?? "_")
        case .token:
            break
        case .oneOf:
            switch mode {
            case .count: line("\(expression ?? "_").addCount(to: &\(Self.counter))")
            case .write: line("\(expression ?? "_").write(into: &\(Self.buffer))")
            }
        case .block(let children):
            let values = argument.valueChildren
            for child in children {
                let projection: String?
                if child.isConstant || child.countOf != nil {
                    projection = nil
                } else if values.count == 1 {
                    projection = expression
                } else {
                    projection = expression.map { "\($0).\(SwiftName.escaped(child.label))" }
                }
                self.argument(child, projection)
            }
        }
    }

    /// The children of a block bound to names (an enum case's associated values).
    mutating func boundBlock(_ block: TypedArgument, names: [String: String]) {
        guard case .block(let children) = block.kind else { return }
        if let token = block.token { self.token(token) }
        for child in children {
            argument(child, names[child.label])
        }
    }
}

/// A Swift string literal for `text`.
func stringLiteral(_ text: String) -> String {
    var out = "\""
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\\": out += "\\\\"
        case "\"": out += "\\\""
        case " "..."~": out.unicodeScalars.append(scalar)
        default: out += "\\u{\(String(scalar.value, radix: 16))}"
        }
    }
    return out + "\""
}
