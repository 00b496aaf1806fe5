import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

extension EventLoopFuture {
    /// Blocks the calling thread until the result is in. For tests and `main` code only.
    /// Throws `EventLoopError.calledOnEventLoop` instead of deadlocking on the loop's own thread.
    /// A result that is already in is returned at once, even after the loop has shut down.
    public func wait() throws -> Value {
        if let known = result { return try known.get() }
        if eventLoop.inEventLoop { throw EventLoopError.calledOnEventLoop("EventLoopFuture.wait()") }
        let box = ResultBox<Value>()
        let registered = eventLoop.tryExecute {
            self.whenComplete { box.set($0) }
        }
        if !registered { return try (result ?? .failure(EventLoopError.shutDown)).get() }
        return try box.wait().get()
    }
}

/// A one-shot result slot a thread can block on.
final class ResultBox<Value: Sendable>: Sendable {
    private let slot = Mutex<Result<Value, any Error>?>(nil)
    private let semaphore = Semaphore()

    func set(_ result: Result<Value, any Error>) {
        slot.withLock { $0 = result }
        semaphore.signal()
    }

    func wait() -> Result<Value, any Error> {
        semaphore.wait()
        return slot.withLock { $0! }
    }
}

/// A POSIX semaphore owned by a class so its address is stable.
/// `@unchecked Sendable`: sem_t is designed for use from several threads.
final class Semaphore: @unchecked Sendable {
    private let sem = UnsafeMutablePointer<sem_t>.allocate(capacity: 1)
    init(value: UInt32 = 0) { sem_init(sem, 0, value) }
    func signal() { sem_post(sem) }
    func wait() { while sem_wait(sem) != 0 && errno == EINTR {} }
    deinit {
        sem_destroy(sem)
        sem.deallocate()
    }
}
