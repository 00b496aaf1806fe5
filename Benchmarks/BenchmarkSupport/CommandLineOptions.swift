import Foundation

/// Reads `--name value` options for the benchmark executables; a bad one exits with status 2
/// and a message naming the tool.
///
/// ```swift
/// var reader = CommandLineOptions(Array(CommandLine.arguments.dropFirst()), tool: "ClusterBenchmark")
/// while let flag = reader.nextFlag() {
///     switch flag {
///     case "--port": port = Int(reader.number())
///     default: reader.fail("unknown option \(flag)")
///     }
/// }
/// ```
public struct CommandLineOptions {
    private let arguments: [String]
    private let tool: String
    private var index = 0

    public init(_ arguments: [String], tool: String) {
        self.arguments = arguments
        self.tool = tool
    }

    /// The next option name, or nil at the end.
    public mutating func nextFlag() -> String? {
        guard index < arguments.count else { return nil }
        defer { index += 1 }
        return arguments[index]
    }

    /// The value after the option just read.
    public mutating func value() -> String {
        guard index < arguments.count else { fail("missing value for \(arguments[index - 1])") }
        defer { index += 1 }
        return arguments[index]
    }

    /// The value after the option just read, as a number ≥ 0.
    public mutating func number() -> Double {
        let text = value()
        guard let n = Double(text), n >= 0 else { fail("not a number: \(text)") }
        return n
    }

    public func fail(_ message: String) -> Never {
        FileHandle.standardError.write(Data("\(tool): \(message)\n".utf8))
        exit(2)
    }
}

/// Uniform key indices without a system call or lock per command (xorshift64), like
/// redis-benchmark's `-r`.
public struct RandomKeys {
    private var state: UInt64 = 0x9E37_79B9_7F4A_7C15

    public init() {}

    public mutating func next(below count: Int) -> Int {
        state ^= state << 13
        state ^= state >> 7
        state ^= state << 17
        return Int(truncatingIfNeeded: state % UInt64(count))
    }
}
