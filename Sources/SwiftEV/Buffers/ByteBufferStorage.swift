#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

extension ByteBuffer {
    /// The size of a storage block and where its bytes start.
    @usableFromInline
    struct StorageHeader {
        @usableFromInline var capacity: UInt32
        @usableFromInline var bytes: UnsafeMutableRawPointer?
    }

    /// The heap memory behind one or more `ByteBuffer` values: the header and the bytes in one
    /// allocation (tail-allocated), so making a buffer costs a single `malloc`.
    ///
    /// Not `Sendable` itself: `ByteBuffer`'s copy-on-write discipline is what makes sharing safe.
    @usableFromInline
    final class Storage: ManagedBuffer<StorageHeader, UInt8> {
        @usableFromInline
        static func make(capacity: Int) -> Storage {
            precondition(capacity >= 0 && capacity <= Int(UInt32.max), "ByteBuffer capacity out of range: \(capacity)")
            let made = Storage.create(minimumCapacity: Swift.max(capacity, 16)) { _ in
                StorageHeader(capacity: 0, bytes: nil)
            }
            let storage = unsafeDowncast(made, to: Storage.self)
            storage.withUnsafeMutablePointers { header, elements in
                // The usable size may exceed the request; remember it once, not per access.
                header.pointee.capacity = UInt32(Swift.min(storage.capacity, Int(UInt32.max)))
                header.pointee.bytes = UnsafeMutableRawPointer(elements)
            }
            return storage
        }

        // Through the header pointer, not `header`: reading the class property `header` costs a
        // dynamic exclusivity check on every byte access (swift_beginAccess, ~5% of a Redis
        // client's CPU). The header is written once, in `make`, before the storage is shared.
        @inlinable var bytes: UnsafeMutableRawPointer {
            withUnsafeMutablePointerToHeader { $0.pointee.bytes.unsafelyUnwrapped }
        }
        @inlinable var byteCapacity: UInt32 { withUnsafeMutablePointerToHeader { $0.pointee.capacity } }
    }
}
