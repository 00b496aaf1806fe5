/// How one flush's plaintext is cut into TLS records: into up to `recordsPerFlush` records of
/// at least `minimumRecord` bytes, none above the 16 KiB TLS maximum.
///
/// ```swift
/// TLSRecordSplit.recordSize(forFlushOf: 12_000)  // 3,000: four records
/// TLSRecordSplit.recordSize(forFlushOf: 1_000)   // 2,048: one record
/// ```
///
/// Why not one record per flush: Redis decrypts one record per event-loop turn and answers it
/// before it reads the next. With all commands of a loop iteration in one record, the
/// commands in flight travel as one batch that Redis and the client take turns on (strace of
/// redis-server at 200 in flight: one 11 KB record in, one 4.4 KB record out, an `epoll_wait`
/// that sleeps in between), so the client's time per batch adds to Redis' instead of
/// overlapping it. Over plaintext Redis reads whatever has arrived and the batch splits by
/// itself (reads of 3.5-11 KB). A few records per flush keep Redis busy on one while the client
/// handles the answer to another; the minimum keeps the per-record cost (a cipher call here,
/// two `read`s, a `write` and an `epoll_wait` in Redis) small per command. Large writes still
/// go out in 16 KiB records.
enum TLSRecordSplit {
    static let recordsPerFlush = 4
    static let minimumRecord = 2 * 1024
    /// The most plaintext one record carries (2^14 bytes).
    static let maximumRecord = 16 * 1024

    /// The plaintext bytes per record for a flush of `bytes` bytes.
    static func recordSize(forFlushOf bytes: Int) -> Int {
        let share = (bytes + recordsPerFlush - 1) / recordsPerFlush
        return min(maximumRecord, max(minimumRecord, share))
    }
}
