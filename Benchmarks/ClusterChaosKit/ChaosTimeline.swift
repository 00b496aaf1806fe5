import Foundation

/// When Redis itself acted on a kill or a pause, read from the nodes' own logs, so a recovery
/// time can be split into what the cluster took (failure detection, election) and what the
/// client added after the promotion. Times are seconds after the signal (SIGKILL/SIGSTOP) the
/// script sent, as it printed it ("… at <epoch ms> ms").
///
/// ```swift
/// let timeline = ChaosTimeline(operationLog: lines, logs: [logText], faultMarkEpoch: mark)
/// timeline?.promoted   // 3.1: "Failover election won" 3.1 s after the kill
/// ```
public struct ChaosTimeline: Sendable, Codable, Equatable {
    /// From the runner's fault mark to the signal (the script's start-up and its own checks).
    public var signalAfterMark: Double
    /// The first node that flagged the target failing ("Marking node … as failing", or a
    /// `FAIL` message received).
    public var failureFlagged: Double?
    /// The replica scheduled its election ("Start of election delayed for N milliseconds").
    public var electionScheduled: Double?
    /// The replica won the election: from here on it is the primary.
    public var promoted: Double?
    /// From the first node's "Cluster state changed: fail" to the last one's "… ok": with
    /// `cluster-require-full-coverage yes` (Redis' default) every node refuses keyed commands
    /// (`CLUSTERDOWN`) while a shard has no primary, the healthy shards' too.
    public var clusterDown: [Double]?

    public init(signalAfterMark: Double, failureFlagged: Double? = nil, electionScheduled: Double? = nil, promoted: Double? = nil,
                clusterDown: [Double]? = nil) {
        self.signalAfterMark = signalAfterMark
        self.failureFlagged = failureFlagged
        self.electionScheduled = electionScheduled
        self.promoted = promoted
        self.clusterDown = clusterDown
    }

    /// Nil when the operation log names no signal time. `logs`: those of the nodes other than
    /// the one killed or paused.
    public init?(operationLog: [String], logs: [String], faultMarkEpoch: Double) {
        guard let signal = Self.signalEpoch(in: operationLog) else { return nil }
        self.init(signalAfterMark: signal - faultMarkEpoch)
        // A moment of slack before the signal: the script reads its clock just before it.
        let keywords = ["as failing", "FAIL message received", "Start of election delayed", "Failover election won", "Cluster state changed"]
        let perNode = logs.map { log in
            log.split(separator: "\n").compactMap { line -> (Double, Substring)? in
                guard keywords.contains(where: { line.contains($0) }),
                      let time = Self.logEpoch(line), time >= signal - 0.001 else { return nil }
                return (time - signal, line)
            }
        }
        let events = perNode.flatMap { $0 }
        func first(_ matches: (Substring) -> Bool) -> Double? { events.filter { matches($0.1) }.map(\.0).min() }
        failureFlagged = first { $0.contains("as failing") || $0.contains("FAIL message received") }
        electionScheduled = first { $0.contains("Start of election delayed") }
        promoted = first { $0.contains("Failover election won") }
        // Each node's first fail after the signal and its next ok; the span over all nodes.
        let spans = perNode.compactMap { node -> (Double, Double)? in
            guard let down = node.first(where: { $0.1.contains("Cluster state changed: fail") })?.0,
                  let up = node.first(where: { $0.0 >= down && $0.1.contains("Cluster state changed: ok") })?.0 else { return nil }
            return (down, up)
        }
        if let from = spans.map(\.0).min(), let until = spans.map(\.1).max() { clusterDown = [from, until] }
    }

    /// Epoch seconds of "… at <ms> ms" in the script's output.
    static func signalEpoch(in lines: [String]) -> Double? {
        for line in lines where line.contains("SIGKILL at ") || line.contains("(SIGSTOP)") {
            guard let range = line.range(of: " at ", options: .backwards),
                  let ms = Double(line[range.upperBound...].prefix { $0.isNumber }) else { continue }
            return ms / 1000
        }
        return nil
    }

    /// Epoch seconds of a Redis log line: `pid:role dd Mon yyyy HH:MM:SS.mmm <level> message`,
    /// in the machine's local time zone (as Redis writes it).
    static func logEpoch(_ line: Substring) -> Double? {
        let fields = line.split(separator: " ", maxSplits: 5)
        guard fields.count >= 5, fields[0].contains(":") else { return nil }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone.current
        formatter.dateFormat = "dd MMM yyyy HH:mm:ss.SSS"
        return formatter.date(from: fields[1...4].joined(separator: " "))?.timeIntervalSince1970
    }
}
