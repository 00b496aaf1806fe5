/// How one flush's plaintext is cut into TLS records: into as many records of at least
/// `minimumRecord` bytes as it fills, at most `recordsPerFlush`, all of the same size and none
/// above the 16 KiB TLS maximum.
///
/// ```swift
/// TLSRecordSplit.recordSize(forFlushOf: 12_000)  // 6,000: two records
/// TLSRecordSplit.recordSize(forFlushOf: 7_000)   // 7,000: one record
/// ```
///
/// Why not one record per flush: Redis decrypts one record per event-loop turn and answers it
/// before it reads the next. With all commands of a loop iteration in one record, the
/// commands in flight travel as one batch that Redis and the client take turns on (strace of
/// redis-server at 200 in flight: one 11 KB record in, one 4.4 KB record out, an `epoll_wait`
/// that sleeps in between), so the client's time per batch adds to Redis' instead of
/// overlapping it. Over plaintext Redis reads whatever has arrived and the batch splits by
/// itself (80 commands per read at 200 in flight). A few records per flush keep Redis busy on
/// one while the client handles the answer to another. Large writes go out in 16 KiB records.
///
/// Why a flush is cut only when it fills two records of the minimum: each record's answer comes
/// back as a batch of its own, and the commands it releases make the next flush, so record sizes
/// carry over from one round to the next. Cutting every flush above the minimum (the first
/// rule: a quarter of the flush, at least 2 KiB) cut those again, and at 200 in flight the
/// batches shrank to the minimum: 27 commands per Redis read, against 80 over plaintext and 100
/// with this rule, where the batches settle between one and two minimums. Paired runs on one
/// TLS connection at 200 in flight (Benchmarks/run-tls.sh, a noisy 2-core machine, medians of
/// six): client CPU 1.40 → 0.91 µs per command (plaintext 0.81), Redis 1.69 → 1.06 µs per
/// command, 0.46 → 0.90× redis-benchmark --tls's ops/s. Sending every flush whole (the flush
/// hold's way) was the cheapest per command (0.89 µs) but makes one batch that both sides take
/// turns on: 0.55×.
///
/// The minimum, 4 KiB, keeps the per-record cost (a cipher call and the record layer's ~8,000
/// instructions here; an `epoll_wait`, two `read`s and a `write` in Redis) small per command:
/// about 80 GET/SETs of 32-byte values. 3 KiB (three batches at 200 in flight) did no better.
enum TLSRecordSplit {
    static let recordsPerFlush = 4
    static let minimumRecord = 4 * 1024
    /// The most plaintext one record carries (2^14 bytes).
    static let maximumRecord = 16 * 1024

    /// The plaintext bytes per record for a flush of `bytes` bytes (the last record takes the
    /// remainder).
    static func recordSize(forFlushOf bytes: Int) -> Int {
        let records = min(recordsPerFlush, max(1, bytes / minimumRecord))
        return min(maximumRecord, (bytes + records - 1) / records)
    }
}
