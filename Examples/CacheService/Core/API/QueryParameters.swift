/// The query of a request: `name=value` pairs separated by `&`, each name at most once and only
/// the names the route takes (a typo such as `?tll=60` is refused, not silently ignored).
struct QueryParameters {
    /// `SET … EX` takes seconds; beyond 2³¹−1 (68 years) is surely a mistake.
    static let ttlRange = 1...Int(Int32.max)
    /// Replicas to wait for; a shard with more than 100 replicas is not a thing.
    static let waitRange = 0...100
    /// The names each route takes, built once rather than per request.
    static let putNames: Set<String> = ["ttl", "wait"]
    static let incrementNames: Set<String> = ["by"]

    private var values: [String: String] = [:]

    init(_ query: some Collection<UInt8>, allowed: Set<String>) throws(RequestError) {
        guard !query.isEmpty else { return }  // the common case: nothing to split or store
        for pair in query.split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: true) {
            let parts = pair.split(separator: UInt8(ascii: "="), maxSplits: 1, omittingEmptySubsequences: false)
            guard let rawName = PercentDecoding.decode(parts[0]), let name = String(validating: rawName, as: UTF8.self) else {
                throw .badRequest("bad query parameter name")
            }
            guard allowed.contains(name) else {
                let list = allowed.isEmpty ? "none" : allowed.sorted().joined(separator: ", ")
                throw .badRequest("unknown query parameter \(Self.quoted(name)) (this route takes: \(list))")
            }
            guard values[name] == nil else { throw .badRequest("query parameter \(name) given twice") }
            let rawValue = parts.count > 1 ? PercentDecoding.decode(parts[1]) : []
            guard let rawValue, let value = String(validating: rawValue, as: UTF8.self) else {
                throw .badRequest("bad \(name): not valid text")
            }
            values[name] = value
        }
    }

    func ttl() throws(RequestError) -> Int? {
        guard let text = values["ttl"] else { return nil }
        guard let seconds = Self.decimal(text, signed: false).flatMap(Int.init(exactly:)), Self.ttlRange.contains(seconds) else {
            throw .badRequest("bad ttl \(Self.quoted(text)): whole seconds from \(Self.ttlRange.lowerBound) to \(Self.ttlRange.upperBound)")
        }
        return seconds
    }

    func wait() throws(RequestError) -> Int {
        guard let text = values["wait"] else { return 0 }
        guard let count = Self.decimal(text, signed: false).flatMap(Int.init(exactly:)), Self.waitRange.contains(count) else {
            throw .badRequest("bad wait \(Self.quoted(text)): a replica count from \(Self.waitRange.lowerBound) to \(Self.waitRange.upperBound)")
        }
        return count
    }

    func by() throws(RequestError) -> Int64 {
        guard let text = values["by"] else { return 1 }
        guard let step = Self.decimal(text, signed: true) else {
            throw .badRequest("bad by \(Self.quoted(text)): a whole number from \(Int64.min) to \(Int64.max)")
        }
        return step
    }

    /// Only `-?[0-9]+`: `Int64(_:)` would also take `+5`, which Redis would not print back.
    static func decimal(_ text: String, signed: Bool) -> Int64? {
        var digits = Substring(text)
        if signed, digits.first == "-" { digits = digits.dropFirst() }
        guard !digits.isEmpty, digits.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else { return nil }
        return Int64(text)
    }

    /// Echoes user input in an error, cut short and quoted.
    static func quoted(_ text: String) -> String {
        let cut = text.count > 40 ? text.prefix(40) + "…" : Substring(text)
        return "\"\(cut)\""
    }
}
