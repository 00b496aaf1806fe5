/// A FIFO ring buffer that moves its elements in and out instead of copying them: for the
/// per-message queues of a channel (a transport's pending writes, a client's commands awaiting
/// replies), where every copy of an element costs a retain and a release per reference in it.
///
/// Why not `Deque`: its `append` reaches the storage through a closure that copies the element
/// once more, and the caller's temporary is copied and destroyed besides — measured with
/// callgrind on the cluster client, ~12 retains and ~18 releases per command for a six-reference
/// element. Here `append` consumes the element and `removeFirst` moves it out.
///
/// Non-copyable, so it owns its buffer alone. Not thread-safe: keep it confined to one loop.
///
/// ```swift
/// var queue = MoveRing<ByteBuffer>()
/// queue.append(buffer)
/// queue[0].moveReaderIndex(forwardBy: 3)   // in place
/// let oldest = queue.removeFirst()
/// ```
@frozen
public struct MoveRing<Element>: ~Copyable {
    @usableFromInline var storage: UnsafeMutablePointer<Element>
    /// A power of two, so a logical index maps to a slot with a mask.
    @usableFromInline var capacity: Int
    @usableFromInline var head = 0
    @usableFromInline var stored = 0

    /// How many elements the ring holds.
    @inlinable public var count: Int { stored }

    @inlinable
    public init(capacity: Int = 16) {
        var size = 1
        while size < max(capacity, 1) { size <<= 1 }
        self.capacity = size
        self.storage = .allocate(capacity: size)
    }

    @inlinable
    deinit {
        for index in 0..<count { (storage + slot(index)).deinitialize(count: 1) }
        storage.deallocate()
    }

    @inlinable public var isEmpty: Bool { count == 0 }

    @inlinable @inline(__always)
    func slot(_ index: Int) -> Int { (head &+ index) & (capacity &- 1) }

    /// The element at `index`, from the oldest (0) to the newest (`count - 1`), in place.
    @inlinable
    public subscript(index: Int) -> Element {
        _read {
            precondition(index >= 0 && index < count, "MoveRing index out of range")
            yield storage[slot(index)]
        }
        _modify {
            precondition(index >= 0 && index < count, "MoveRing index out of range")
            yield &storage[slot(index)]
        }
    }

    @inlinable
    public mutating func append(_ element: consuming Element) {
        if count == capacity { grow() }
        (storage + slot(count)).initialize(to: element)
        stored += 1
    }

    @inlinable
    public mutating func removeFirst() -> Element {
        precondition(count > 0, "removeFirst on an empty MoveRing")
        let element = (storage + head).move()
        head = (head &+ 1) & (capacity &- 1)
        stored -= 1
        return element
    }

    /// Removes the element at `index`, keeping the others in order.
    @inlinable
    public mutating func remove(at index: Int) -> Element {
        precondition(index >= 0 && index < count, "MoveRing index out of range")
        let element = (storage + slot(index)).move()
        for later in index ..< count - 1 {
            (storage + slot(later)).initialize(to: (storage + slot(later + 1)).move())
        }
        stored -= 1
        return element
    }

    /// Empties the ring, returning its elements oldest first.
    @inlinable
    public mutating func removeAll() -> [Element] {
        var elements: [Element] = []
        elements.reserveCapacity(count)
        while count > 0 { elements.append(removeFirst()) }
        head = 0
        return elements
    }

    @inlinable
    public func firstIndex(where matches: (borrowing Element) -> Bool) -> Int? {
        for index in 0..<count where matches(storage[slot(index)]) { return index }
        return nil
    }

    @usableFromInline
    mutating func grow() {
        let bigger = UnsafeMutablePointer<Element>.allocate(capacity: capacity * 2)
        // Oldest first, in two runs: from the head to the end of the buffer, then the wrap.
        let firstRun = min(count, capacity - head)
        bigger.moveInitialize(from: storage + head, count: firstRun)
        (bigger + firstRun).moveInitialize(from: storage, count: count - firstRun)
        storage.deallocate()
        storage = bigger
        capacity *= 2
        head = 0
    }
}
