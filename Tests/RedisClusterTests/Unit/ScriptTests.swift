import Redis
import XCTest
@testable import RedisCluster

final class ScriptTests: XCTestCase {
    func testSHA1MatchesKnownDigests() {
        XCTAssertEqual(SHA1.hexDigest(Array("".utf8)), "da39a3ee5e6b4b0d3255bfef95601890afd80709")
        XCTAssertEqual(SHA1.hexDigest(Array("abc".utf8)), "a9993e364706816aba3e25717850c26c9cd0d89d")
        // Longer than one 64-byte block.
        XCTAssertEqual(SHA1.hexDigest(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)),
                       "84983e441c3bd26ebaae4aa1f95129e5e54670f1")
        // What `SCRIPT LOAD "return 1"` answers.
        XCTAssertEqual(RedisScript("return 1").sha1, "e0e1f9fabfc9d4800c877a703b823ac0578ff8db")
    }

    func testCommandsAndNoScriptDetection() {
        let script = RedisScript("return KEYS[1]", readOnly: true)
        XCTAssertEqual(script.evalSHA(keys: ["k"], arguments: [1]).bytes, RedisCommand("EVALSHA_RO", script.sha1, 1, "k", 1).bytes)
        XCTAssertEqual(script.eval(keys: [], arguments: []).bytes, RedisCommand("EVAL_RO", "return KEYS[1]", 0).bytes)
        XCTAssertTrue(RedisScript.isNoScript(RedisError(.server(.init(code: "NOSCRIPT", message: "No matching script.")), node: "n")))
        XCTAssertFalse(RedisScript.isNoScript(RedisError(.server(.init(code: "ERR", message: "x")), node: "n")))
        XCTAssertFalse(RedisScript.isNoScript(RedisError(.connectionClosed(.unknown), node: "n")))
    }
}
