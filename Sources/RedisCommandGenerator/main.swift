// Writes the `Redis` target's command table and typed commands from a dump of a server's
// COMMAND / COMMAND DOCS and the project's typed-command decisions.
//
// Regenerate (from the package root):
//
//     swift run RedisCommandGenerator
//
// which reads CommandData/redis-7.0.15.json and CommandData/typed-commands.json and writes
// Sources/Redis/Commands/Generated/ (CommandTable+Generated.swift and Commands+<Group>.swift,
// removing generated files no longer produced). Other paths:
//
//     swift run RedisCommandGenerator <input.json> <typed-commands.json> <output-directory>
//
// To take a newer server's table, dump it first with scripts/dump-command-table.py.
import CommandTableGenerator
import Foundation

let arguments = Array(CommandLine.arguments.dropFirst())
guard arguments.count == 0 || arguments.count == 3 else {
    FileHandle.standardError.write(Data("usage: RedisCommandGenerator [<input.json> <typed-commands.json> <output-directory>]\n".utf8))
    exit(2)
}
let input = arguments.count == 3 ? arguments[0] : "CommandData/redis-7.0.15.json"
let typed = arguments.count == 3 ? arguments[1] : "CommandData/typed-commands.json"
let output = arguments.count == 3 ? arguments[2] : "Sources/Redis/Commands/Generated"
do {
    let files = try GeneratedFiles.render(
        commandData: try Data(contentsOf: URL(fileURLWithPath: input)),
        typedCommands: try Data(contentsOf: URL(fileURLWithPath: typed)),
        source: input)
    let fm = FileManager.default
    try fm.createDirectory(atPath: output, withIntermediateDirectories: true)
    let produced = Set(files.map(\.name))
    for stale in try fm.contentsOfDirectory(atPath: output) where GeneratedFiles.isGenerated(stale) && !produced.contains(stale) {
        try fm.removeItem(atPath: output + "/" + stale)
    }
    for file in files {
        try Data(file.contents.utf8).write(to: URL(fileURLWithPath: output + "/" + file.name), options: .atomic)
    }
    print("RedisCommandGenerator: wrote \(files.count) files to \(output) from \(input) and \(typed)")
} catch {
    FileHandle.standardError.write(Data("RedisCommandGenerator: \(error)\n".utf8))
    exit(1)
}
