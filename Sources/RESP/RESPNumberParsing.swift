/// Hand-written parsers for the numeric lines of RESP: no Foundation, no allocation, and every
/// overflow is reported rather than trapped, because the bytes come from the network.
enum RESPNumberParsing {
    enum IntegerResult: Equatable {
        case value(Int64)
        /// Index of the offending byte, or nil when there are no digits at all.
        case invalid(at: Int?)
        case overflow
    }

    /// Parses `[+-]?[0-9]+` in `bytes[range]`.
    @inline(__always)
    static func parseInteger(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>) -> IntegerResult {
        var i = range.lowerBound
        let end = range.upperBound
        guard i < end else { return .invalid(at: nil) }
        var negative = false
        let first = bytes[i]
        if first == UInt8(ascii: "-") || first == UInt8(ascii: "+") {
            negative = first == UInt8(ascii: "-")
            i += 1
            guard i < end else { return .invalid(at: nil) }
        }
        var magnitude: UInt64 = 0
        while i < end {
            let digit = bytes[i] &- UInt8(ascii: "0")
            guard digit < 10 else { return .invalid(at: i) }
            let (times10, o1) = magnitude.multipliedReportingOverflow(by: 10)
            let (sum, o2) = times10.addingReportingOverflow(UInt64(digit))
            if o1 || o2 { return .overflow }
            magnitude = sum
            i += 1
        }
        if negative {
            // Int64.min has no positive counterpart, hence the separate bound.
            guard magnitude <= UInt64(Int64.max) + 1 else { return .overflow }
            return .value(magnitude == UInt64(Int64.max) + 1 ? Int64.min : -Int64(magnitude))
        }
        guard magnitude <= UInt64(Int64.max) else { return .overflow }
        return .value(Int64(magnitude))
    }

    /// True when `bytes[range]` is `-?[0-9]+`.
    static func isBigNumber(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>) -> Bool {
        var i = range.lowerBound
        if i < range.upperBound && bytes[i] == UInt8(ascii: "-") { i += 1 }
        guard i < range.upperBound else { return false }
        while i < range.upperBound {
            guard bytes[i] &- UInt8(ascii: "0") < 10 else { return false }
            i += 1
        }
        return true
    }

    /// Parses a RESP3 double: `[+-]?` then `inf`, `nan` (any case) or a decimal number with an
    /// optional fraction and exponent. Hex floats, `infinity` and whitespace, which `strtod`
    /// would take, are rejected so that the accepted syntax does not depend on the C library.
    static func parseDouble(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>) -> Double? {
        var i = range.lowerBound
        let end = range.upperBound
        var negative = false
        if i < end && (bytes[i] == UInt8(ascii: "-") || bytes[i] == UInt8(ascii: "+")) {
            negative = bytes[i] == UInt8(ascii: "-")
            i += 1
        }
        if end - i == 3 {
            let word = (bytes[i] | 0x20, bytes[i + 1] | 0x20, bytes[i + 2] | 0x20)
            if word == (UInt8(ascii: "i"), UInt8(ascii: "n"), UInt8(ascii: "f")) { return negative ? -.infinity : .infinity }
            if word == (UInt8(ascii: "n"), UInt8(ascii: "a"), UInt8(ascii: "n")) { return .nan }
        }
        // Validate while gathering what the exact fast path needs.
        var mantissa: UInt64 = 0
        var significantDigits = 0
        var digits = 0
        var fractionDigits = 0
        var exactMantissa = true
        var seenPoint = false
        while i < end {
            let b = bytes[i]
            if b == UInt8(ascii: ".") {
                if seenPoint { return nil }
                seenPoint = true
            } else if b &- UInt8(ascii: "0") < 10 {
                digits += 1
                if seenPoint { fractionDigits += 1 }
                if mantissa != 0 || b != UInt8(ascii: "0") { significantDigits += 1 }
                if significantDigits <= 19 {
                    mantissa = mantissa &* 10 &+ UInt64(b &- UInt8(ascii: "0"))
                } else {
                    exactMantissa = false
                }
            } else {
                break
            }
            i += 1
        }
        guard digits > 0 else { return nil }
        var exponent = 0
        if i < end {
            guard bytes[i] | 0x20 == UInt8(ascii: "e") else { return nil }
            i += 1
            var exponentNegative = false
            if i < end && (bytes[i] == UInt8(ascii: "-") || bytes[i] == UInt8(ascii: "+")) {
                exponentNegative = bytes[i] == UInt8(ascii: "-")
                i += 1
            }
            guard i < end else { return nil }
            while i < end {
                let digit = bytes[i] &- UInt8(ascii: "0")
                guard digit < 10 else { return nil }
                // Clamp: anything this large is 0 or infinity anyway, and must not overflow Int.
                if exponent < 100_000 { exponent = exponent * 10 + Int(digit) }
                i += 1
            }
            if exponentNegative { exponent = -exponent }
        }
        // Clinger's fast path: an integer below 2^53 times or divided by an exact power of ten
        // (10^22 at most) is correctly rounded by one IEEE operation.
        let scale = exponent - fractionDigits
        if exactMantissa && mantissa <= 1 << 53 && scale >= -22 && scale <= 22 {
            var value = Double(mantissa)
            value = scale < 0 ? value / powersOfTen[-scale] : value * powersOfTen[scale]
            return negative ? -value : value
        }
        let text = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[range]), as: UTF8.self)
        return Double(text)
    }

    private static let powersOfTen: [Double] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
        1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
    ]
}
