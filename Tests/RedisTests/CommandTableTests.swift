import RESP
import SwiftEV
import XCTest
@testable import Redis

final class CommandTableTests: XCTestCase {
    func spec(_ arguments: any RESPArgument...) throws -> CommandSpec {
        try XCTUnwrap(CommandTable.spec(for: RedisCommand(arguments)), "\(arguments)")
    }

    func testKnowsTheCommonCommandsWithTheirKeySpecs() throws {
        let get = try spec("get", "k")
        XCTAssertEqual(get.name, "get")
        XCTAssertEqual(get.arity, 2)
        XCTAssertEqual(get.flags, [.readonly, .fast])
        XCTAssertEqual(get.aclCategories, [.read, .string, .fast])
        XCTAssertEqual(get.keySpecs, [KeySpec(flags: [.readOnly, .access], beginSearch: .index(1), findKeys: .range(lastKey: 0, keyStep: 1, limit: 0))])
        XCTAssertEqual(get.group, "string")

        let set = try spec("SET", "k", "v")
        XCTAssertTrue(set.flags.contains(.write) && set.flags.contains(.denyOOM))
        XCTAssertEqual(set.keySpecs.first?.beginSearch, .index(1))

        let mget = try spec("MGET", "a", "b")
        XCTAssertEqual(mget.keySpecs.first?.findKeys, .range(lastKey: -1, keyStep: 1, limit: 0))
        XCTAssertEqual(mget.tips.requestPolicy, .multiShard)

        let mset = try spec("mset", "a", 1)
        XCTAssertEqual(mset.keySpecs.first?.findKeys, .range(lastKey: -1, keyStep: 2, limit: 0))
        XCTAssertEqual(mset.tips.responsePolicy, .allSucceeded)

        let eval = try spec("EVAL", "return 1", 0)
        XCTAssertEqual(eval.keySpecs.first?.beginSearch, .index(2))
        XCTAssertEqual(eval.keySpecs.first?.findKeys, .keyNum(keyNumIndex: 0, firstKey: 1, keyStep: 1))
        XCTAssertTrue(eval.flags.contains(.movableKeys) && eval.flags.contains(.noScript))

        let xread = try spec("XREAD", "STREAMS", "s", "0")
        XCTAssertEqual(xread.keySpecs.first?.beginSearch, .keyword("STREAMS", startFrom: 1))
        XCTAssertEqual(xread.keySpecs.first?.findKeys, .range(lastKey: -1, keyStep: 1, limit: 2))
        XCTAssertTrue(xread.flags.contains(.blocking))

        let zunionstore = try spec("ZUNIONSTORE", "d", 2, "a", "b")
        XCTAssertEqual(zunionstore.keySpecs.map(\.beginSearch), [.index(1), .index(2)])
        XCTAssertEqual(zunionstore.keySpecs.map(\.findKeys), [.range(lastKey: 0, keyStep: 1, limit: 0), .keyNum(keyNumIndex: 0, firstKey: 1, keyStep: 1)])
    }

    func testSubcommandsAreResolvedFromTheSecondArgument() throws {
        let kill = try spec("client", "KILL", "ID", 3)
        XCTAssertEqual(kill.name, "client|kill")
        XCTAssertTrue(kill.flags.contains(.admin))
        XCTAssertTrue(kill.keySpecs.isEmpty)

        let encoding = try spec("OBJECT", "encoding", "k")
        XCTAssertEqual(encoding.name, "object|encoding")
        XCTAssertTrue(encoding.isReadOnly)
        XCTAssertEqual(encoding.keySpecs.first?.beginSearch, .index(2))
        XCTAssertEqual(encoding.tips.nondeterministicOutput, true)

        XCTAssertEqual(try spec("XINFO", "STREAM", "s").name, "xinfo|stream")
        XCTAssertEqual(try spec("CLUSTER", "count-failure-reports", "id").name, "cluster|count-failure-reports")
        XCTAssertNil(CommandTable.spec(for: RedisCommand("CLIENT", "TELEPORT")), "unknown subcommand")
        XCTAssertEqual(CommandTable.spec(for: RedisCommand("CLIENT"))?.name, "client", "a container alone")
        XCTAssertEqual(CommandTable.spec(for: RedisCommand("CLIENT"))?.subcommands.count, CommandTable.spec(named: "client")?.subcommands.count)
    }

    func testNamedLookupAcceptsSpacesBarsAndAnyCase() {
        XCTAssertEqual(CommandTable.spec(named: "client kill")?.name, "client|kill")
        XCTAssertEqual(CommandTable.spec(named: "CLIENT|KILL")?.name, "client|kill")
        XCTAssertEqual(CommandTable.spec(named: "Client", subcommand: "Kill")?.name, "client|kill")
        XCTAssertEqual(CommandTable.spec(named: "zRangeByScore")?.name, "zrangebyscore")
        XCTAssertNil(CommandTable.spec(named: "GETDELX"))
        XCTAssertNil(CommandTable.spec(named: "A_VERY_LONG_COMMAND_NAME_BEYOND_24"))
        XCTAssertNil(CommandTable.spec(named: ""))
    }

    func testEveryCommandAndSubcommandIsFoundByItsOwnName() {
        var count = 0
        for command in CommandTable.commands {
            XCTAssertEqual(CommandTable.spec(named: command.name)?.name, command.name)
            for sub in command.subcommands {
                XCTAssertEqual(CommandTable.spec(named: sub.name)?.name, sub.name)
                count += 1
            }
            count += 1
        }
        XCTAssertGreaterThan(count, 300, "Redis 7.0 has 240 commands and 126 subcommands")
    }

    func testEveryNameIsFoundInAnyCaseFromABufferHoldingOnlyIt() {
        // Names are packed a word at a time: names of 3 to 20 bytes cover each way a word is loaded, and
        // each is read from an allocation of exactly its size.
        var lengths = Set<Int>()
        for command in CommandTable.commands {
            let mixed = String(command.name.enumerated().map { $0.offset % 2 == 0 ? Character($0.element.uppercased()) : $0.element })
            for name in [command.name.uppercased(), mixed] {
                let bytes = Array(name.utf8)
                let found = bytes.withUnsafeBufferPointer { CommandTable.spec(name: $0, subcommand: nil) }
                XCTAssertEqual(found?.name, command.name, name)
                var shorter = bytes
                shorter.removeLast()
                let prefix = shorter.withUnsafeBufferPointer { CommandTable.spec(name: $0, subcommand: nil) }
                XCTAssertNotEqual(prefix?.name, command.name, "\(name) without its last byte")
            }
            lengths.insert(command.name.utf8.count)
        }
        XCTAssertTrue(lengths.isSuperset(of: [3, 4, 5, 6, 7, 8, 9, 12, 16, 17, 20]), "lengths covered: \(lengths.sorted())")
    }

    func testMalformedEncodingsFindNothing() {
        for text in ["", "*", "*1\r\n", "*1\r\n$3\r\nGE", "*1\r\n$99\r\nGET\r\n", "+GET\r\n", "*1\r\n$-1\r\n"] {
            XCTAssertNil(CommandTable.spec(for: RedisCommand(bytes: ByteBuffer(string: text), isReadOnly: false)), text.debugDescription)
        }
    }
}
