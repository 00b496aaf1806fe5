import CommandTableGenerator
import Foundation
import XCTest

final class CommandTableRendererTests: XCTestCase {
    /// Two commands in the dump's shape, deliberately out of order, one a container.
    static let sample = """
    {"server": {"name": "redis", "version": "7.0.15"},
     "commands": [
      {"name": "mset", "arity": -3, "flags": ["write", "denyoom"], "first_key": 1, "last_key": -1, "step": 2,
       "acl_categories": ["@write", "@string", "@slow"], "tips": ["request_policy:multi_shard", "response_policy:all_succeeded"],
       "key_specs": [{"begin_search": {"type": "index", "spec": {"index": 1}},
                      "find_keys": {"type": "range", "spec": {"lastkey": -1, "keystep": 2, "limit": 0}},
                      "flags": ["OW", "update"]}],
       "subcommands": []},
      {"name": "client", "arity": -2, "flags": [], "first_key": 0, "last_key": 0, "step": 0, "acl_categories": ["@slow"],
       "tips": [], "key_specs": [],
       "subcommands": [
        {"name": "client|kill", "arity": -3, "flags": ["admin", "noscript", "loading", "stale"], "first_key": 0,
         "last_key": 0, "step": 0, "acl_categories": ["@admin", "@slow", "@dangerous", "@connection"], "tips": [],
         "key_specs": [], "subcommands": []},
        {"name": "client|id", "arity": 2, "flags": ["noscript", "loading", "stale"], "first_key": 0, "last_key": 0,
         "step": 0, "acl_categories": ["@slow", "@connection"], "tips": [], "key_specs": [], "subcommands": []}
       ]},
      {"name": "eval", "arity": -3, "flags": ["noscript", "stale", "skip_monitor", "may_replicate", "no_mandatory_keys", "movablekeys"],
       "first_key": 0, "last_key": 0, "step": 0, "acl_categories": ["@slow", "@scripting"], "tips": [],
       "key_specs": [{"begin_search": {"type": "index", "spec": {"index": 2}},
                      "find_keys": {"type": "keynum", "spec": {"keynumidx": 0, "firstkey": 1, "keystep": 1}},
                      "flags": ["RW", "access", "update"], "notes": "We cannot tell how the keys will be used"}],
       "subcommands": []}
     ],
     "docs": {"mset": {"group": "string", "since": "1.0.1", "summary": "Set multiple keys"},
              "client": {"group": "connection", "since": "2.4.0",
                         "subcommands": {"client|kill": {"group": "connection", "since": "2.4.0"}}}}}
    """

    func render(_ json: String) throws -> String {
        try CommandTableRenderer.render(json: Data(json.utf8), source: "sample.json")
    }

    func testRendersEveryFieldSortedByName() throws {
        let output = try render(Self.sample)
        let client = try XCTUnwrap(output.range(of: "name: \"client\""))
        let eval = try XCTUnwrap(output.range(of: "name: \"eval\""))
        let mset = try XCTUnwrap(output.range(of: "name: \"mset\""))
        XCTAssertLessThan(client.lowerBound, eval.lowerBound)
        XCTAssertLessThan(eval.lowerBound, mset.lowerBound)
        let id = try XCTUnwrap(output.range(of: "name: \"client|id\""))
        let kill = try XCTUnwrap(output.range(of: "name: \"client|kill\""))
        XCTAssertLessThan(id.lowerBound, kill.lowerBound, "subcommands sorted too")
        XCTAssertTrue(output.contains("flags: [.write, .denyOOM]"), output)
        XCTAssertTrue(output.contains("aclCategories: [.write, .string, .slow]"), output)
        XCTAssertTrue(output.contains("firstKey: 1, lastKey: -1, keyStep: 2"), output)
        XCTAssertTrue(output.contains("KeySpec(flags: [.overwrite, .update], beginSearch: .index(1), findKeys: .range(lastKey: -1, keyStep: 2, limit: 0))"), output)
        XCTAssertTrue(output.contains("findKeys: .keyNum(keyNumIndex: 0, firstKey: 1, keyStep: 1)"), output)
        XCTAssertTrue(output.contains("tips: CommandTips(requestPolicy: .multiShard, responsePolicy: .allSucceeded)"), output)
        XCTAssertTrue(output.contains("group: \"string\", since: \"1.0.1\""), output)
        XCTAssertTrue(output.contains("flags: [.admin, .noScript, .loading, .stale]"), "subcommand flags: \(output)")
        XCTAssertTrue(output.contains("redis 7.0.15") && output.contains("sample.json") && output.contains("swift run RedisCommandGenerator"))
    }

    func testSameDataGivesTheSameOutputWhateverItsOrder() throws {
        let first = try render(Self.sample)
        XCTAssertEqual(first, try render(Self.sample))
        // The same commands in another order (and JSON keys reordered by re-serialising).
        var object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(Self.sample.utf8)) as? [String: Any])
        object["commands"] = Array(try XCTUnwrap(object["commands"] as? [Any]).reversed())
        let shuffled = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        XCTAssertEqual(first, try CommandTableRenderer.render(json: shuffled, source: "sample.json"))
    }

    func testAChangeInTheDataChangesTheOutput() throws {
        let first = try render(Self.sample)
        let changed = try render(Self.sample.replacingOccurrences(of: "\"arity\": -3, \"flags\": [\"write\"", with: "\"arity\": -5, \"flags\": [\"write\""))
        XCTAssertNotEqual(first, changed)
        XCTAssertTrue(changed.contains("name: \"mset\", arity: -5"), changed)
    }

    func testUnknownValuesAreTypedErrorsNamingTheCommand() {
        XCTAssertThrowsError(try render(Self.sample.replacingOccurrences(of: "\"denyoom\"", with: "\"teleport\""))) { error in
            XCTAssertEqual(error as? CommandTableGeneratorError, .unknownFlag(command: "mset", flag: "teleport"))
        }
        XCTAssertThrowsError(try render(Self.sample.replacingOccurrences(of: "request_policy:multi_shard", with: "request_policy:sideways"))) { error in
            XCTAssertEqual(error as? CommandTableGeneratorError, .unknownTip(command: "mset", tip: "request_policy:sideways"))
        }
        XCTAssertThrowsError(try render("{\"commands\": 3}")) { error in
            guard case .unreadableData? = error as? CommandTableGeneratorError else { return XCTFail("\(error)") }
        }
    }
}
