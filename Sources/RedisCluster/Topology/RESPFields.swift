import RESP
import SwiftEV

/// Reads the pieces of a topology reply, RESP2 or RESP3, throwing `TopologyParseError`s that
/// say where the bad value was.
struct RESPFields {
    let command: String
    let location: String

    func fail(_ reason: TopologyParseError.Reason) -> TopologyParseError {
        TopologyParseError(command: command, location: location, reason: reason)
    }

    func at(_ location: String) -> RESPFields {
        RESPFields(command: command, location: self.location.isEmpty ? location : "\(self.location), \(location)")
    }

    /// The elements of an array (or set), after any attribute.
    func array(_ value: RESPValue) throws(TopologyParseError) -> [RESPValue] {
        switch value.withoutAttributes {
        case .array(let items?), .set(let items): return items
        case .simpleError, .bulkError: throw fail(.serverError(value.errorText ?? ""))
        default: throw fail(.unexpectedType(expected: "an array", got: value.typeName))
        }
    }

    /// Field name → value of a RESP3 map or a RESP2 flat `[name, value, …]` array; later
    /// duplicates are ignored, unknown names are kept for the caller to ignore.
    func fields(_ value: RESPValue) throws(TopologyParseError) -> [String: RESPValue] {
        var fields: [String: RESPValue] = [:]
        switch value.withoutAttributes {
        case .map(let pairs):
            for pair in pairs {
                guard let name = string(pair.key) else { throw fail(.unexpectedType(expected: "a field name", got: pair.key.typeName)) }
                if fields[name] == nil { fields[name] = pair.value }
            }
        case .array(let items?):
            guard items.count % 2 == 0 else { throw fail(.unexpectedType(expected: "name/value pairs", got: "an array of \(items.count)")) }
            var i = 0
            while i < items.count {
                guard let name = string(items[i]) else { throw fail(.unexpectedType(expected: "a field name", got: items[i].typeName)) }
                if fields[name] == nil { fields[name] = items[i + 1] }
                i += 2
            }
        case .simpleError, .bulkError:
            throw fail(.serverError(value.errorText ?? ""))
        default:
            throw fail(.unexpectedType(expected: "a map", got: value.typeName))
        }
        return fields
    }

    /// Text of a string-like value; nil for other types.
    func string(_ value: RESPValue) -> String? {
        switch value.withoutAttributes {
        case .bulkString(let buffer?), .simpleString(let buffer): return String(buffer: buffer)
        case .verbatimString(_, let text): return String(buffer: text)
        default: return nil
        }
    }

    func requiredString(_ fields: [String: RESPValue], _ name: String) throws(TopologyParseError) -> String {
        guard let value = fields[name] else { throw fail(.missingField(name)) }
        guard let text = string(value) else { throw fail(.unexpectedType(expected: "a string for '\(name)'", got: value.typeName)) }
        return text
    }

    /// An integer, or a string of digits (some proxies send numbers as strings).
    func int(_ value: RESPValue, field: String) throws(TopologyParseError) -> Int {
        switch value.withoutAttributes {
        case .integer(let number): return Int(number)
        default:
            if let text = string(value), let number = Int(text) { return number }
            throw fail(.unexpectedType(expected: "an integer for '\(field)'", got: value.typeName))
        }
    }

    func port(_ value: RESPValue, field: String) throws(TopologyParseError) -> Int {
        let port = try int(value, field: field)
        guard (0...65535).contains(port) else { throw fail(.invalidValue(field: field, value: String(port))) }
        return port
    }

    func slotRange(_ start: Int, _ end: Int) throws(TopologyParseError) -> ClosedRange<Int> {
        guard start >= 0, start <= end, end < ClusterTopology.slotCount else {
            throw fail(.invalidValue(field: "slot range", value: "\(start)-\(end)"))
        }
        return start...end
    }

    /// The address to reach a node by: `endpoint`/`hostname`/`ip` in the order `preference`
    /// says; `?` and empty mean unknown.
    static func host(endpoint: String?, hostname: String?, ip: String?, preference: EndpointPreference) -> String? {
        func known(_ text: String?) -> String? {
            guard let text, !text.isEmpty, text != "?" else { return nil }
            return text
        }
        let order: [String?]
        switch preference {
        case .advertised: order = [endpoint, hostname, ip]
        case .ip: order = [ip, endpoint, hostname]
        case .hostname: order = [hostname, endpoint, ip]
        }
        return order.lazy.compactMap(known).first
    }
}
