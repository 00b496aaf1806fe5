// Writes the `Redis` target's command table from a dump of a server's COMMAND / COMMAND DOCS.
//
// Regenerate (from the package root):
//
//     swift run RedisCommandGenerator
//
// which reads CommandData/redis-7.0.15.json and writes
// Sources/Redis/Commands/Generated/CommandTable+Generated.swift. Other paths:
//
//     swift run RedisCommandGenerator <input.json> <output.swift>
//
// To take a newer server's table, dump it first with scripts/dump-command-table.py.
import CommandTableGenerator
import Foundation

let arguments = CommandLine.arguments.dropFirst()
guard arguments.count == 0 || arguments.count == 2 else {
    FileHandle.standardError.write(Data("usage: RedisCommandGenerator [<input.json> <output.swift>]\n".utf8))
    exit(2)
}
let input = arguments.first ?? "CommandData/redis-7.0.15.json"
let output = arguments.dropFirst().first ?? "Sources/Redis/Commands/Generated/CommandTable+Generated.swift"
do {
    let json = try Data(contentsOf: URL(fileURLWithPath: input))
    let source = try CommandTableRenderer.render(json: json, source: input)
    try Data(source.utf8).write(to: URL(fileURLWithPath: output), options: .atomic)
    print("RedisCommandGenerator: wrote \(output) from \(input)")
} catch {
    FileHandle.standardError.write(Data("RedisCommandGenerator: \(error)\n".utf8))
    exit(1)
}
