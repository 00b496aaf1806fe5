/// How a TLS stage's flushes are cut into records: while the peer has answered every record
/// sent so far (as far as counting records can tell), a flush of at least two `minimumRecord`s
/// goes out as two records of equal size; otherwise, and for smaller flushes, as few records
/// as TLS allows (16 KiB each). A plain value: the stage reports the records it sent and
/// received and asks for each flush's record size.
///
/// ```swift
/// var split = TLSRecordSplit()
/// split.recordSize(forFlushOf: 10_000)  // 5,000: two records
/// split.sent(records: 2)
/// split.recordSize(forFlushOf: 10_000)  // 16,384: one record, the peer is busy with two
/// ```
///
/// Why cut at all: Redis decrypts one record per event-loop turn and answers it before it
/// reads the next. With all commands in flight in one record, they travel as one batch that
/// Redis and the client take turns on (strace of redis-server at 200 in flight: one 11 KB
/// record in, one 4.4 KB record out, an `epoll_wait` that sleeps in between), so the client's
/// time per batch adds to Redis' instead of overlapping it. Over plaintext Redis reads
/// whatever has arrived and the batch splits by itself. Two records keep Redis busy on one
/// while the client handles the answer to the other.
///
/// Why only when the peer has answered everything: each record's answer comes back as a batch
/// of its own, and the commands it releases make the next flush, so record sizes carry over
/// from one round to the next. Cutting every flush (the first rule: a quarter of each flush,
/// at least 2 KiB) cut those batches again, and at 200 in flight they shrank to the minimum:
/// 27 commands per Redis read, against 80 over plaintext. A fixed larger minimum (a flush cut
/// only from 8 KiB) kept 100 per read at 200 in flight but left the 2.6 KB of 50 in flight
/// uncut, one batch taking turns again (0.70× redis-benchmark's ops/s there, against 1.00 with
/// the first rule). Counting records finds the case that needs a cut at any depth: the batches
/// in flight have merged into one (the first flush, or answers to two records read together).
/// Paired runs of one connection (4 rounds, medians): 1.22× / 1.02× redis-benchmark --tls's
/// ops/s at 50 / 200 in flight (the first rule: 0.88× / 0.80×), and client CPU per command
/// 1.24 / 1.16× plaintext (the first rule at 200: 1.61×).
/// It assumes one answer record per record sent, which Redis keeps for replies under 16 KiB;
/// extra answer records (large replies, pushes) only make cuts more frequent, down to
/// `minimumRecord`.
struct TLSRecordSplit {
    /// Below this a record is not cut further: about 20 GET/SETs of 32-byte values, so the
    /// per-record cost (a cipher call and the record layer's ~8,000 instructions here; an
    /// `epoll_wait`, two `read`s and a `write` in Redis) stays small per command.
    static let minimumRecord = 1024
    /// The most plaintext one record carries (2^14 bytes).
    static let maximumRecord = 16 * 1024

    /// Records sent that have not been matched by a record received.
    private(set) var unanswered = 0

    /// The plaintext bytes per record for a flush of `bytes` bytes (the last record takes the
    /// remainder).
    func recordSize(forFlushOf bytes: Int) -> Int {
        guard unanswered == 0, bytes >= 2 * Self.minimumRecord else { return Self.maximumRecord }
        return min(Self.maximumRecord, (bytes + 1) / 2)
    }

    mutating func sent(records: Int) {
        unanswered += records
    }

    mutating func received(records: Int) {
        unanswered = max(0, unanswered - records)
    }
}
