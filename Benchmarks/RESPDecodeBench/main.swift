// Throughput of RESPDecoder (and of the command encoder). Run in release mode:
//   swift run -c release RESPDecodeBench            (everything)
//   swift run -c release RESPDecodeBench small      (only scenarios whose name contains "small")
import RESP
import SwiftEV

let filters = CommandLine.arguments.dropFirst()
func selected(_ name: String) -> Bool { filters.isEmpty || filters.contains { name.contains($0) } }

var checksum = 0
if selected("large") { checksum &+= Bench.largeBulk() }
for (name, reply, count) in [
    ("+OK", "+OK\r\n", 2_000_000),
    (":12345", ":12345\r\n", 2_000_000),
    ("$5 bulk", "$5\r\nhello\r\n", 2_000_000),
    ("10-element bulk array", "*10\r\n" + String(repeating: "$5\r\nvalue\r\n", count: 10), 500_000),
    ("RESP3 map of 4", "%4\r\n+a\r\n:1\r\n+b\r\n,2.5\r\n+c\r\n#t\r\n+d\r\n_\r\n", 500_000),
] where selected("small " + name) {
    checksum &+= Bench.small(name, reply, count: count)
}
if selected("encode") { checksum &+= Bench.encode() }
print("(checksum \(checksum & 0xFFFF))")

enum Bench {
    /// 512 replies of 1 MiB each: decoded from one buffer holding the whole stream, and streamed
    /// in 64 KiB reads as from a socket.
    static func largeBulk() -> Int {
        let bulkSize = 1 << 20
        let bulkCount = 512
        var large = ByteBuffer(capacity: bulkCount * (bulkSize + 16))
        let payload = [UInt8](repeating: UInt8(ascii: "x"), count: bulkSize)
        for _ in 0..<bulkCount { large.writeRESPBulk(payload) }
        let totalBytes = Double(large.readableBytes)

        var sink = 0
        let inBuffer = best(runs: 5) { sink &+= decodeAll(large, expect: bulkCount) }
        print("large bulk, whole stream in one buffer: \(bulkCount) x 1 MiB, \(fixed(totalBytes / inBuffer / 1e9, 1)) GB/s (\(fixed(inBuffer * 1e3, 3)) ms per pass; payloads are zero-copy slices)")

        // The read buffer is compacted before each read, as a channel handler would.
        let source = large.readableBytesArray
        let streamed = best(runs: 3) {
            var decoder = RESPDecoder()
            var buffer = ByteBuffer(capacity: 1 << 16)
            var n = 0
            source.withUnsafeBytes { all in
                var offset = 0
                while offset < all.count {
                    let chunk = min(1 << 16, all.count - offset)
                    buffer.discardReadBytes()
                    buffer.writeBytes(UnsafeRawBufferPointer(rebasing: all[offset..<(offset + chunk)]))
                    offset += chunk
                    while let value = try! decoder.decode(&buffer) {
                        sink &+= weigh(value)
                        n += 1
                    }
                }
            }
            precondition(n == bulkCount)
        }
        print("large bulk, streamed in 64 KiB reads:   \(bulkCount) x 1 MiB, \(fixed(totalBytes / streamed / 1e9, 2)) GB/s (includes copying each read into the buffer)")
        return sink
    }

    /// `count` copies of `reply` back to back in one buffer, as in a pipeline.
    static func small(_ name: String, _ reply: String, count: Int) -> Int {
        var input = ByteBuffer(capacity: reply.utf8.count * count)
        for _ in 0..<count { input.writeString(reply) }
        var sink = 0
        let seconds = best(runs: 5) { sink &+= decodeAll(input, expect: count) }
        let label = (name + ":").padding(to: 24)
        print("small \(label) \(fixed(Double(count) / seconds / 1e6, 1)) M replies/s, \(fixed(seconds / Double(count) * 1e9, 1)) ns/reply")
        return sink
    }

    static func encode() -> Int {
        let commands = 2_000_000
        var out = ByteBuffer(capacity: 64 * commands)
        let key = "user:12345"
        let value = ByteBuffer(string: "some value of moderate size")
        let seconds = best(runs: 5) {
            out.clear()
            for i in 0..<commands { out.writeRESPCommand("SET", key, value, "EX", i) }
        }
        print("encode SET key value EX n:     \(fixed(Double(commands) / seconds / 1e6, 1)) M commands/s, \(fixed(seconds / Double(commands) * 1e9, 1)) ns/command (writeRESPCommand)")
        let stepwise = best(runs: 5) {
            out.clear()
            for i in 0..<commands {
                out.writeRESPArrayHeader(count: 5)
                out.writeRESPBulk("SET")
                out.writeRESPBulk(key)
                out.writeRESPBulk(value)
                out.writeRESPBulk("EX")
                out.writeRESPBulk(i)
            }
        }
        print("encode SET key value EX n:     \(fixed(Double(commands) / stepwise / 1e6, 1)) M commands/s, \(fixed(stepwise / Double(commands) * 1e9, 1)) ns/command (header + writeRESPBulk)")
        return out.readableBytes
    }

    static func decodeAll(_ input: ByteBuffer, expect count: Int) -> Int {
        var buffer = input // shares storage; only this copy's reader index moves
        var decoder = RESPDecoder()
        var sink = 0
        var n = 0
        while let value = try! decoder.decode(&buffer) {
            sink &+= weigh(value)
            n += 1
        }
        precondition(n == count && buffer.readableBytes == 0, "decoded \(n) of \(count)")
        return sink
    }

    /// Keeps the optimiser from discarding decoded values.
    @inline(never)
    static func weigh(_ value: RESPValue) -> Int {
        switch value {
        case .bulkString(let b?), .simpleString(let b): return b.readableBytes
        case .integer(let n): return Int(truncatingIfNeeded: n)
        case .array(let elements?): return elements.count
        default: return 1
        }
    }

    /// Best of `runs` timings of `body`, in seconds.
    static func best(runs: Int, _ body: () -> Void) -> Double {
        var fastest = Double.infinity
        for _ in 0..<runs {
            let start = ContinuousClock.now
            body()
            let (s, attos) = (ContinuousClock.now - start).components
            fastest = min(fastest, Double(s) + Double(attos) / 1e18)
        }
        return fastest
    }

    static func fixed(_ x: Double, _ places: Int) -> String {
        var scale = 1.0
        for _ in 0..<places { scale *= 10 }
        return String((x * scale).rounded() / scale)
    }
}

extension String {
    func padding(to n: Int) -> String { count >= n ? self : self + String(repeating: " ", count: n - count) }
}
