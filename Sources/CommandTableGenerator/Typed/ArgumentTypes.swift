/// The Swift types of a command's arguments, and the option enums they need.
///
/// Values the caller must pass at the top level (and inside required blocks) are generic
/// (`some RESPArgument`), so a `String`, `ByteBuffer`, `[UInt8]` or number goes in without
/// conversion; optional ones and enum payloads are `String` (a generic cannot default to nil).
struct ArgumentTypes {
    struct OptionEnum {
        var name: String
        var argument: TypedArgument
        var command: String
    }

    let command: String
    private(set) var enums: [OptionEnum] = []

    init(command: String) { self.command = command }

    /// The type of the parameter (or tuple element, or enum payload) for `argument`.
    mutating func valueType(_ argument: TypedArgument, generic: Bool, path: String) throws -> String {
        if argument.isFlag { return "Bool" }
        let element = try elementType(argument, generic: generic && !argument.optional, path: path)
        if argument.multiple { return "[\(element)]" }
        return argument.optional ? "\(element)?" : element
    }

    /// The default of an optional parameter: left out means not sent.
    static func defaultValue(_ argument: TypedArgument) -> String? {
        guard argument.optional else { return nil }
        if argument.isFlag { return "false" }
        return argument.multiple ? "[]" : "nil"
    }

    mutating func elementType(_ argument: TypedArgument, generic: Bool, path: String) throws -> String {
        switch argument.kind {
        case .key: return "RedisKey"
        case .string: return generic ? "some RESPArgument" : "String"
        case .integer: return "Int"
        case .double: return "Double"
        case .token: return "Bool"
        case .oneOf:
            let name = path + SwiftName.upperCamel(argument.name)
            guard !enums.contains(where: { $0.name == name }) else {
                throw CommandTableGeneratorError.nameClash("two option enums named \(name) in \(command)")
            }
            enums.append(OptionEnum(name: name, argument: argument, command: command))
            return "RedisArguments.\(name)"
        case .block:
            let fields = try blockFields(argument, generic: generic, path: path)
            return argument.valueChildren.count == 1 ? fields : "(\(fields))"
        }
    }

    /// A block's values: `label: Type, …` (a tuple's elements, a case's associated values), or
    /// the one value's type alone when there is one.
    private mutating func blockFields(_ block: TypedArgument, generic: Bool, path: String) throws -> String {
        let values = block.valueChildren
        let inner = path + SwiftName.upperCamel(block.name)
        if values.count == 1 { return try valueType(values[0], generic: generic, path: inner) }
        return try values.map { "\(SwiftName.escaped($0.label)): \(try valueType($0, generic: generic, path: inner))" }
            .joined(separator: ", ")
    }

    /// The enum cases of a `oneof`: a payload-less case per token, labelled associated values
    /// for a block.
    mutating func cases(of option: OptionEnum) throws -> [String] {
        guard case .oneOf(let children) = option.argument.kind else { return [] }
        return try children.map { child in
            let name = SwiftName.escaped(child.label)
            if child.isFlag { return "case \(name)" }
            if case .block = child.kind, !child.multiple {
                return "case \(name)(\(try blockFields(child, generic: false, path: option.name)))"
            }
            return "case \(name)(\(try valueType(child, generic: false, path: option.name)))"
        }
    }
}
