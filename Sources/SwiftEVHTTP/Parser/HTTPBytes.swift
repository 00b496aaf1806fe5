/// Byte classes of RFC 9110/9112 grammar.
enum HTTPBytes {
    static let cr = UInt8(ascii: "\r")
    static let lf = UInt8(ascii: "\n")
    static let space = UInt8(ascii: " ")
    static let tab = UInt8(ascii: "\t")
    static let colon = UInt8(ascii: ":")

    /// `tchar`: the bytes of a method or field name.
    @inline(__always)
    static func isTokenByte(_ b: UInt8) -> Bool {
        switch b {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        case UInt8(ascii: "!"), UInt8(ascii: "#"), UInt8(ascii: "$"), UInt8(ascii: "%"), UInt8(ascii: "&"),
             UInt8(ascii: "'"), UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."),
             UInt8(ascii: "^"), UInt8(ascii: "_"), UInt8(ascii: "`"), UInt8(ascii: "|"), UInt8(ascii: "~"):
            return true
        default:
            return false
        }
    }

    /// `field-vchar / SP / HTAB` (obs-text allowed): anything but controls and DEL.
    @inline(__always)
    static func isFieldValueByte(_ b: UInt8) -> Bool { b == tab || (b >= 0x20 && b != 0x7F) }

    /// A request-target byte: visible ASCII (no spaces, controls or raw non-ASCII).
    @inline(__always)
    static func isTargetByte(_ b: UInt8) -> Bool { b > 0x20 && b < 0x7F }

    /// Optional whitespace: SP or HTAB.
    @inline(__always)
    static func isSpace(_ b: UInt8) -> Bool { b == space || b == tab }

    @inline(__always)
    static func lower(_ b: UInt8) -> UInt8 { b >= 0x41 && b <= 0x5A ? b | 0x20 : b }

    static func equalsIgnoringCase(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Bool {
        guard a.count == b.count else { return false }
        for i in 0..<a.count where lower(a[i]) != lower(b[i]) { return false }
        return true
    }

    /// `name` must be lower-case ASCII.
    static func equalsIgnoringCase(_ a: UnsafeRawBufferPointer, _ name: StaticString) -> Bool {
        guard a.count == name.utf8CodeUnitCount else { return false }
        let b = name.utf8Start
        for i in 0..<a.count where lower(a[i]) != b[i] { return false }
        return true
    }
}
