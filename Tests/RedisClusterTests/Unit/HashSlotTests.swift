import XCTest
@testable import RedisCluster

final class HashSlotTests: XCTestCase {
    func testKnownSlots() {
        // Values from the cluster specification's examples and `CLUSTER KEYSLOT`.
        XCTAssertEqual(HashSlot.slot(forKey: "123456789"), 0x31C3 & 0x3FFF)
        XCTAssertEqual(HashSlot.slot(forKey: "foo"), 12182)
        XCTAssertEqual(HashSlot.slot(forKey: "bar"), 5061)
    }

    func testHashTags() {
        XCTAssertEqual(HashSlot.slot(forKey: "{user1000}.following"), HashSlot.slot(forKey: "user1000"))
        XCTAssertEqual(HashSlot.slot(forKey: "foo{}{bar}"), HashSlot.slot(forKey: "foo{}{bar}"))
        XCTAssertNotEqual(HashSlot.slot(forKey: "foo{}{bar}"), HashSlot.slot(forKey: "bar"))
        XCTAssertEqual(HashSlot.slot(forKey: "foo{{bar}}zap"), HashSlot.slot(forKey: "{bar"))
        XCTAssertEqual(HashSlot.slot(forKey: "foo{bar}{zap}"), HashSlot.slot(forKey: "bar"))
    }
}
