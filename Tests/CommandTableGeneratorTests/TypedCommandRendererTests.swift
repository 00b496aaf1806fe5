import CommandTableGenerator
import Foundation
import XCTest

/// The typed-command half of the generator, on small data in the dump's shape.
final class TypedCommandRendererTests: XCTestCase {
    static let commands = """
    [{"name": "set", "arity": -3, "flags": ["write", "denyoom"], "first_key": 1, "last_key": 1, "step": 1,
      "acl_categories": ["@write", "@string", "@slow"], "tips": [], "key_specs": [], "subcommands": []},
     {"name": "get", "arity": 2, "flags": ["readonly", "fast"], "first_key": 1, "last_key": 1, "step": 1,
      "acl_categories": ["@read", "@string", "@fast"], "tips": [], "key_specs": [], "subcommands": []},
     {"name": "getset", "arity": 3, "flags": ["write"], "first_key": 1, "last_key": 1, "step": 1,
      "acl_categories": ["@write"], "tips": [], "key_specs": [], "subcommands": []},
     {"name": "eval", "arity": -3, "flags": ["noscript"], "first_key": 0, "last_key": 0, "step": 0,
      "acl_categories": ["@slow"], "tips": [], "key_specs": [], "subcommands": []},
     {"name": "client", "arity": -2, "flags": [], "first_key": 0, "last_key": 0, "step": 0, "acl_categories": ["@slow"],
      "tips": [], "key_specs": [], "subcommands": [
       {"name": "client|kill", "arity": -3, "flags": ["admin"], "first_key": 0, "last_key": 0, "step": 0,
        "acl_categories": ["@admin"], "tips": [], "key_specs": [], "subcommands": []}]}]
    """
    static let docs = """
    {"set": {"group": "string", "since": "1.0.0", "summary": "Set the string value of a key", "complexity": "O(1)",
             "arguments": [{"name": "key", "type": "key"}, {"name": "value", "type": "string"},
               {"name": "condition", "type": "oneof", "flags": ["optional"], "arguments": [
                 {"name": "nx", "type": "pure-token", "token": "NX"}, {"name": "xx", "type": "pure-token", "token": "XX"}]},
               {"name": "get", "type": "pure-token", "token": "GET", "flags": ["optional"]},
               {"name": "expiration", "type": "oneof", "flags": ["optional"], "arguments": [
                 {"name": "seconds", "type": "integer", "token": "EX"}, {"name": "keepttl", "type": "pure-token", "token": "KEEPTTL"}]}]},
     "get": {"group": "string", "since": "1.0.0", "summary": "Get the value of a key",
             "arguments": [{"name": "key", "type": "key"}]},
     "getset": {"group": "string", "summary": "Old", "doc_flags": ["deprecated"], "replaced_by": "SET with GET",
                "arguments": [{"name": "key", "type": "key"}, {"name": "value", "type": "string"}]},
     "eval": {"group": "scripting", "summary": "Run a script",
              "arguments": [{"name": "script", "type": "string"}, {"name": "numkeys", "type": "integer"},
                            {"name": "key", "type": "key", "flags": ["optional", "multiple"]},
                            {"name": "arg", "type": "string", "flags": ["optional", "multiple"]}]},
     "client": {"group": "connection", "subcommands": {
       "client|kill": {"group": "connection", "summary": "Kill a client",
         "arguments": [{"name": "filter", "type": "oneof", "arguments": [
           {"name": "ip:port", "type": "string"},
           {"name": "new-format", "type": "oneof", "flags": ["multiple"], "arguments": [
             {"name": "client-id", "type": "integer", "token": "ID", "flags": ["optional"]},
             {"name": "ip:port", "type": "string", "token": "ADDR", "flags": ["optional"]},
             {"name": "ip:port", "type": "string", "token": "LADDR", "flags": ["optional"]}]}]}]}}}}
    """
    static let typed = """
    {"replies": {"get": "ByteBuffer?", "set": "RESPValue"}, "excluded": {}, "labels": {}}
    """

    func render(commands: String = commands, docs: String = docs, typed: String = typed) throws -> [String: String] {
        let json = "{\"server\": {\"name\": \"redis\", \"version\": \"7.0.15\"}, \"commands\": \(commands), \"docs\": \(docs)}"
        let files = try GeneratedFiles.render(commandData: Data(json.utf8), typedCommands: Data(typed.utf8), source: "sample.json")
        return Dictionary(uniqueKeysWithValues: files.map { ($0.name, $0.contents) })
    }

    func testOneFilePerGroupBesideTheTable() throws {
        let files = try render()
        XCTAssertEqual(files.keys.sorted(), [
            "CommandTable+Generated.swift", "Commands+Connection.swift", "Commands+Scripting.swift", "Commands+String.swift",
        ])
        XCTAssertTrue(files.keys.allSatisfy(GeneratedFiles.isGenerated))
    }

    func testArgumentsBecomeTypedParametersAndDirectWrites() throws {
        let string = try XCTUnwrap(try render()["Commands+String.swift"])
        // Key type, generic required value, oneof enum with default, optional token as Bool.
        XCTAssertTrue(string.contains("""
            public static func set(_ key: RedisKey, value: some RESPArgument, condition: RedisArguments.SetCondition? = nil, \
            get: Bool = false, expiration: RedisArguments.SetExpiration? = nil) -> RedisCommand {
            """), string)
        // Inlinable, with the enums' writers, so callers in other modules get them specialized.
        XCTAssertTrue(string.contains("    @inlinable\n    public static func set("), string)
        XCTAssertTrue(string.contains("    @inlinable func write(into buffer: inout ByteBuffer) {\n        switch self {"), string)
        XCTAssertTrue(string.contains("public enum SetExpiration: Sendable {\n        case seconds(Int)\n        case keepttl\n"), string)
        XCTAssertTrue(string.contains("        case .seconds(let value):\n            buffer.writeRESPBulk(\"EX\")\n            buffer.writeRESPBulk(value)\n"), string)
        // The count pass needs no binding for a fixed-size case.
        XCTAssertTrue(string.contains("        case .seconds:\n            argc += 2\n"), string)
        XCTAssertTrue(string.contains("        if get {\n            buffer.writeRESPBulk(\"GET\")\n        }\n"), string)
        // Reply types from the table; write commands' results are discardable.
        XCTAssertTrue(string.contains("    public func get(_ key: RedisKey) async throws -> ByteBuffer? {\n        try await send(.get(key)).decode(as: ByteBuffer?.self)"), string)
        XCTAssertTrue(string.contains("    @discardableResult\n    public func set("), string)
        XCTAssertFalse(string.contains("@discardableResult\n    public func get("), string)
        XCTAssertTrue(string.contains("`SET key value [NX | XX] [GET] [EX seconds | KEEPTTL]`"), string)
        XCTAssertFalse(string.contains("getset"), "deprecated commands are left out")
    }

    func testEveryCommandGetsLoopLocalCallbackAndFutureForms() throws {
        let string = try XCTUnwrap(try render()["Commands+String.swift"])
        XCTAssertTrue(string.contains("\nextension RedisLoopCommands {\n"), string)
        // Decoded reply: the callback gets the typed result, the future the typed value.
        XCTAssertTrue(string.contains("""
                public func get(_ key: RedisKey, onReply: @escaping (Result<ByteBuffer?, any Error>) -> Void) {
                    submit(.get(key), as: ByteBuffer?.self, onReply: onReply)
                }
            """), string)
        XCTAssertTrue(string.contains("""
                public func get(_ key: RedisKey) -> EventLoopFuture<ByteBuffer?> {
                    submit(.get(key), as: ByteBuffer?.self)
                }
            """), string)
        // Raw reply; a write's future is discardable, the callback form keeps every parameter.
        XCTAssertTrue(string.contains("""
                @discardableResult
                public func set(_ key: RedisKey, value: some RESPArgument, condition: RedisArguments.SetCondition? = nil, \
            get: Bool = false, expiration: RedisArguments.SetExpiration? = nil) -> EventLoopFuture<RESPValue> {
                    submit(.set(key, value: value, condition: condition, get: get, expiration: expiration))
            """), string)
        XCTAssertTrue(string.contains("expiration: RedisArguments.SetExpiration? = nil, onReply: @escaping (Result<RESPValue, any Error>) -> Void) {"), string)
        XCTAssertFalse(string.contains("@discardableResult\n    public func get(_ key: RedisKey) -> EventLoopFuture"), string)
        // A status reply is Void in both forms.
        let typed = #"{"replies": {"get": "ByteBuffer?", "set": "Void"}, "excluded": {}, "labels": {}}"#
        let void = try XCTUnwrap(try render(typed: typed)["Commands+String.swift"])
        XCTAssertTrue(void.contains("onReply: @escaping (Result<Void, any Error>) -> Void) {\n        submitStatus(.set("), void)
        XCTAssertTrue(void.contains("-> EventLoopFuture<Void> {\n        submitStatus(.set("), void)
    }

    func testNumkeysIsTheLengthOfTheKeyList() throws {
        let scripting = try XCTUnwrap(try render()["Commands+Scripting.swift"])
        XCTAssertTrue(scripting.contains("public static func eval(script: some RESPArgument, keys: [RedisKey] = [], args: [String] = []) -> RedisCommand"), scripting)
        XCTAssertTrue(scripting.contains("buffer.writeRESPBulk(keys.count)"), scripting)
    }

    func testSubcommandsNestedChoicesAndRepeatedNames() throws {
        let connection = try XCTUnwrap(try render()["Commands+Connection.swift"])
        XCTAssertTrue(connection.contains("public static func clientKill(_ filter: RedisArguments.ClientKillFilter) -> RedisCommand"), connection)
        XCTAssertTrue(connection.contains("buffer.writeRESPBulk(\"CLIENT\")\n        buffer.writeRESPBulk(\"KILL\")"), connection)
        // A choice's `optional` flag is dropped; the repeated `ip:port` takes its token's name.
        XCTAssertTrue(connection.contains("case clientId(Int)\n        case ipPort(String)\n        case laddr(String)\n"), connection)
        XCTAssertTrue(connection.contains("case newFormats([RedisArguments.ClientKillFilterNewFormat])"), connection)
    }

    func testSameDataSameOutputAndAChangeChangesIt() throws {
        let first = try render()
        XCTAssertEqual(first, try render())
        // A new optional token on GET: a new parameter and its write, nothing else in the file.
        let changed = try render(docs: Self.docs.replacingOccurrences(
            of: "\"arguments\": [{\"name\": \"key\", \"type\": \"key\"}]}",
            with: "\"arguments\": [{\"name\": \"key\", \"type\": \"key\"}, {\"name\": \"fresh\", \"type\": \"pure-token\", \"token\": \"FRESH\", \"flags\": [\"optional\"]}]}"))
        XCTAssertEqual(first["Commands+Scripting.swift"], changed["Commands+Scripting.swift"])
        let string = try XCTUnwrap(changed["Commands+String.swift"])
        XCTAssertNotEqual(first["Commands+String.swift"], string)
        XCTAssertTrue(string.contains("public func get(_ key: RedisKey, fresh: Bool = false) async throws -> ByteBuffer?"), string)
        XCTAssertTrue(string.contains("if fresh {\n            buffer.writeRESPBulk(\"FRESH\")"), string)
        // A label from the project's table.
        let relabelled = try render(typed: "{\"labels\": {\"set\": {\"value\": \"payload\"}}}")
        XCTAssertTrue(try XCTUnwrap(relabelled["Commands+String.swift"]).contains("_ key: RedisKey, payload: some RESPArgument"))
        // An excluded command disappears, and its group file with it when it was alone.
        let excluded = try render(typed: "{\"excluded\": {\"eval\": \"scripts API\"}}")
        XCTAssertNil(excluded["Commands+Scripting.swift"])
    }

    func testBadInputIsATypedErrorNamingTheCause() {
        XCTAssertThrowsError(try render(typed: "{\"replies\": {\"get\": \"Teapot\"}}")) { error in
            XCTAssertEqual(error as? CommandTableGeneratorError, .unknownReplyType(command: "get", type: "Teapot"))
        }
        XCTAssertThrowsError(try render(typed: "{\"replies\": {\"gett\": \"Int\"}}")) { error in
            XCTAssertEqual(error as? CommandTableGeneratorError, .unknownCommandInTypedConfig(section: "replies", command: "gett"))
        }
        XCTAssertThrowsError(try render(typed: "{\"labels\": {\"get\": {\"nope\": \"x\"}}}")) { error in
            XCTAssertEqual(error as? CommandTableGeneratorError, .unknownArgumentInTypedConfig(command: "get", argument: "nope"))
        }
        XCTAssertThrowsError(try render(docs: Self.docs.replacingOccurrences(of: "\"type\": \"key\"}]}", with: "\"type\": \"vector\"}]}"))) { error in
            XCTAssertEqual(error as? CommandTableGeneratorError, .unknownArgumentType(command: "get", argument: "key", type: "vector"))
        }
    }

    /// The committed generated files are what the committed data gives: a change to the data,
    /// the typed-command table or the generator without `swift run RedisCommandGenerator` fails here.
    func testCommittedFilesAreUpToDate() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let input = "CommandData/redis-7.0.15.json"
        let files = try GeneratedFiles.render(
            commandData: try Data(contentsOf: root.appendingPathComponent(input)),
            typedCommands: try Data(contentsOf: root.appendingPathComponent("CommandData/typed-commands.json")),
            source: input)
        let directory = root.appendingPathComponent("Sources/Redis/Commands/Generated")
        let onDisk = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter(GeneratedFiles.isGenerated)
        XCTAssertEqual(onDisk.sorted(), files.map(\.name).sorted(), "regenerate with `swift run RedisCommandGenerator`")
        for file in files {
            let committed = try String(contentsOf: directory.appendingPathComponent(file.name), encoding: .utf8)
            XCTAssertTrue(committed == file.contents, "\(file.name) is stale: regenerate with `swift run RedisCommandGenerator`")
        }
    }
}
