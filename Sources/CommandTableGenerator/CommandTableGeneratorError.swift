/// Why the generator refused its input: each case names the command and the value it did not
/// understand, so a newer server's data says what to teach the generator and `CommandSpec`.
public enum CommandTableGeneratorError: Error, Equatable, CustomStringConvertible {
    case unreadableData(String)
    case unknownFlag(command: String, flag: String)
    case unknownACLCategory(command: String, category: String)
    case unknownTip(command: String, tip: String)
    case unknownKeySpecFlag(command: String, flag: String)
    case malformedKeySpec(command: String, detail: String)
    case duplicateCommand(String)
    case unknownArgumentType(command: String, argument: String, type: String)
    case unknownReplyType(command: String, type: String)
    case unknownCommandInTypedConfig(section: String, command: String)
    case unknownArgumentInTypedConfig(command: String, argument: String)
    case nameClash(String)

    public var description: String {
        switch self {
        case .unreadableData(let detail): return "the command data is not readable: \(detail)"
        case .unknownFlag(let command, let flag): return "\(command): unknown command flag '\(flag)' (add it to CommandFlags and the generator's flag table)"
        case .unknownACLCategory(let command, let category): return "\(command): unknown ACL category '\(category)' (add it to ACLCategories)"
        case .unknownTip(let command, let tip): return "\(command): unknown tip '\(tip)' (add it to CommandTips)"
        case .unknownKeySpecFlag(let command, let flag): return "\(command): unknown key spec flag '\(flag)' (add it to KeySpecFlags)"
        case .malformedKeySpec(let command, let detail): return "\(command): malformed key spec: \(detail)"
        case .duplicateCommand(let name): return "command '\(name)' appears twice"
        case .unknownArgumentType(let command, let argument, let type):
            return "\(command): argument '\(argument)' has unknown type '\(type)' (teach TypedArgument about it)"
        case .unknownReplyType(let command, let type):
            return "\(command): reply type '\(type)' is not one the generator knows (see TypedCommandConfig.replyTypes)"
        case .unknownCommandInTypedConfig(let section, let command):
            return "typed-commands.json '\(section)' names '\(command)', which the command data does not have"
        case .unknownArgumentInTypedConfig(let command, let argument):
            return "typed-commands.json 'labels' renames '\(argument)' of \(command), which has no such top-level argument"
        case .nameClash(let detail): return "generated name clash: \(detail)"
        }
    }
}
