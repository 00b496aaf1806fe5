import Foundation

/// Everything the generator writes into `Sources/Redis/Commands/Generated/`: the command table
/// and the typed commands, one file per group. The same inputs always give the same files.
///
/// ```swift
/// let files = try GeneratedFiles.render(commandData: json, typedCommands: typed,
///                                       source: "CommandData/redis-7.0.15.json")
/// for file in files { try file.contents.write(toFile: dir + "/" + file.name, atomically: true, encoding: .utf8) }
/// ```
public enum GeneratedFiles {
    /// The table's file name; the typed commands are `Commands+<Group>.swift`.
    public static let tableFile = "CommandTable+Generated.swift"

    /// Whether `name` is a file the generator owns (so a stale one can be removed).
    public static func isGenerated(_ name: String) -> Bool {
        name == tableFile || (name.hasPrefix("Commands+") && name.hasSuffix(".swift"))
    }

    public static func render(commandData json: Data, typedCommands: Data, source: String) throws -> [(name: String, contents: String)] {
        let data: CommandData
        let config: TypedCommandConfig
        do {
            data = try JSONDecoder().decode(CommandData.self, from: json)
            config = try JSONDecoder().decode(TypedCommandConfig.self, from: typedCommands)
        } catch {
            throw CommandTableGeneratorError.unreadableData(String(describing: error))
        }
        let table = try CommandTableRenderer.render(data, source: source)
        return [(name: tableFile, contents: table)] + (try TypedCommandRenderer.render(data, config: config, source: source))
    }
}
