#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

extension ByteBuffer {
    /// The heap memory behind one or more `ByteBuffer` values.
    ///
    /// `@unchecked Sendable` holds because the bytes are only ever mutated through a
    /// `ByteBuffer` that has proven, with `isKnownUniquelyReferenced`, that it is the sole
    /// owner (copy-on-write); shared storage is read-only.
    @usableFromInline
    final class Storage: @unchecked Sendable {
        @usableFromInline var bytes: UnsafeMutableRawPointer
        @usableFromInline var capacity: UInt32

        @usableFromInline
        init(capacity: Int) {
            precondition(capacity >= 0 && capacity <= Int(UInt32.max), "ByteBuffer capacity out of range: \(capacity)")
            let cap = Swift.max(capacity, 16)
            guard let p = malloc(cap) else { fatalError("ByteBuffer: out of memory allocating \(cap) bytes") }
            self.bytes = p
            self.capacity = UInt32(cap)
        }

        /// Grows in place when possible; `realloc` avoids copying large payloads on every doubling.
        @usableFromInline
        func grow(to newCapacity: Int) {
            precondition(newCapacity <= Int(UInt32.max), "ByteBuffer cannot grow beyond 4 GiB")
            guard let p = realloc(bytes, newCapacity) else { fatalError("ByteBuffer: out of memory growing to \(newCapacity) bytes") }
            bytes = p
            capacity = UInt32(newCapacity)
        }

        deinit { free(bytes) }
    }
}
