import RESP
import SwiftEV

enum FuzzCheck {
    /// Small enough that short inputs reach every limit.
    static let smallLimits = RESPDecoder.Limits(maxDepth: 8, maxAggregateLength: 64, maxBulkLength: 256, maxLineLength: 64)

    struct Step {
        var size: Int
        /// Call `discardReadBytes()` before appending.
        var discard: Bool
        /// Continue in a new buffer holding only the unread bytes.
        var rebuffer: Bool
    }

    /// Everything observable about decoding one stream.
    struct Outcome: Equatable {
        var values: [RESPValue] = []
        var error: RESPProtocolError?
        var consumed = 0
        var partial = false
    }

    /// Feeds `input` in the chunks `nextStep` asks for (it is given the bytes left) and
    /// records every value, the error if any, and where decoding stopped.
    static func decode(_ input: UnsafeBufferPointer<UInt8>, limits: RESPDecoder.Limits, nextStep: (Int) -> Step) -> Outcome {
        var decoder = RESPDecoder(limits: limits)
        var buffer = ByteBuffer()
        var outcome = Outcome()
        var offset = 0
        repeat {
            let step = nextStep(input.count - offset)
            if step.rebuffer {
                buffer = ByteBuffer(bytes: buffer.readableBytesArray)
            } else if step.discard {
                buffer.discardReadBytes()
            }
            buffer.writeBytes(UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: input[offset..<(offset + step.size)])))
            offset += step.size
            do {
                while let value = try decoder.decode(&buffer) { outcome.values.append(value) }
            } catch {
                outcome.error = error
                // A poisoned decoder must keep failing the same way.
                do { _ = try decoder.decode(&buffer); trap("poisoned decoder returned", input) } catch let again {
                    if again != error { trap("poisoned decoder changed its error", input) }
                }
                break
            }
        } while offset < input.count
        outcome.consumed = decoder.bytesConsumed
        // After an error the decoder's position is meaningless; only a clean stop can be partial.
        outcome.partial = outcome.error == nil && decoder.hasPartialValue
        return outcome
    }

    static func expectSame(_ a: Outcome, _ b: Outcome, _ what: String, _ input: UnsafeBufferPointer<UInt8>) {
        if a != b { trap("\(what) disagrees with one-shot decoding:\n  one-shot: \(a)\n  \(what): \(b)", input) }
    }

    /// Round-trips a decoded value and runs the conversions, which must not crash.
    static func exercise(_ value: RESPValue) {
        var encoded = ByteBuffer()
        value.encode(into: &encoded)
        var decoder = RESPDecoder()
        let total = encoded.readableBytes
        guard let again = try? decoder.decode(&encoded), again == value, encoded.readableBytes == 0,
              decoder.bytesConsumed == total else {
            fatalError("round trip failed for \(value)")
        }
        if value.hashValue != again.hashValue { fatalError("equal values hash differently: \(value)") }
        _ = value.description
        _ = value.errorCode
        _ = value.errorMessage
        _ = try? value.decode(as: String.self)
        _ = try? value.decode(as: Int.self)
        _ = try? value.decode(as: UInt8.self)
        _ = try? value.decode(as: Double.self)
        _ = try? value.decode(as: Bool.self)
        _ = try? value.decode(as: [UInt8]?.self)
        _ = try? value.decode(as: [String: [Int]].self)
        _ = try? value.decode(as: Set<String>.self)
    }

    static func trap(_ message: String, _ input: UnsafeBufferPointer<UInt8>) -> Never {
        fatalError("\(message)\ninput: \(Array(input))")
    }
}
