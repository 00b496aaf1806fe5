/// Keys whose hash slot is known without asking a server, so tests can put keys in the slot
/// they are about to migrate. CRC16-XMODEM as in the cluster specification; checked against
/// `CLUSTER KEYSLOT` in `ClusterControlTests`. (Deliberately independent of the client's own
/// `HashSlot`, so a bug there cannot hide in the tests that check it.)
enum SlotKeys {
    static let slotCount = 16384

    /// The slot of `key` (its first non-empty `{hash tag}` if it has one).
    static func slot(of key: String) -> Int {
        var bytes = Array(key.utf8)
        if let open = bytes.firstIndex(of: UInt8(ascii: "{")),
            let close = bytes[(open + 1)...].firstIndex(of: UInt8(ascii: "}")), close > open + 1
        {
            bytes = Array(bytes[(open + 1)..<close])
        }
        return Int(crc16(bytes) % UInt16(slotCount))
    }

    /// A hash tag (`s<slot>-<n>`) whose slot is `slot`: every key `{tag}...` lives there.
    static func tag(forSlot slot: Int) -> String {
        precondition((0..<slotCount).contains(slot), "slot \(slot) is not in 0..<16384")
        var n = 0
        while true {
            let tag = "s\(slot)-\(n)"
            if Int(crc16(Array(tag.utf8)) % UInt16(slotCount)) == slot { return tag }
            n += 1
        }
    }

    /// `count` distinct keys in `slot`, each starting with `prefix`.
    static func keys(inSlot slot: Int, count: Int, prefix: String = "ctl") -> [String] {
        let tag = tag(forSlot: slot)
        return (0..<count).map { "{\(tag)}:\(prefix):\($0)" }
    }

    static func crc16(_ bytes: [UInt8]) -> UInt16 {
        var crc: UInt16 = 0
        for byte in bytes {
            crc ^= UInt16(byte) << 8
            for _ in 0..<8 {
                crc = crc & 0x8000 != 0 ? (crc << 1) ^ 0x1021 : crc << 1
            }
        }
        return crc
    }
}
