/// Server spellings (`client|kill`, `ip:port`, `unix-time-seconds`) → Swift identifiers.
enum SwiftName {
    /// The alphanumeric words of `name`.
    static func words(_ name: String) -> [String] {
        name.split(whereSeparator: { !($0.isLetter || $0.isNumber) }).map(String.init)
    }

    /// `unix-time-seconds` → `unixTimeSeconds`; `client|no-evict` → `clientNoEvict`.
    static func lowerCamel(_ name: String) -> String {
        let parts = words(name).map { $0.lowercased() }
        guard let first = parts.first else { return "_" }
        return first + parts.dropFirst().map(capitalized).joined()
    }

    /// `new-format` → `NewFormat`.
    static func upperCamel(_ name: String) -> String {
        words(name).map { capitalized($0.lowercased()) }.joined()
    }

    private static func capitalized(_ word: String) -> String {
        word.prefix(1).uppercased() + word.dropFirst()
    }

    /// `identifier`, in backticks if Swift reserves it (`where`, `operator`, `default`).
    static func escaped(_ identifier: String) -> String {
        keywords.contains(identifier) ? "`\(identifier)`" : identifier
    }

    static let keywords: Set<String> = [
        "associatedtype", "class", "deinit", "enum", "extension", "fileprivate", "func", "import", "init",
        "inout", "internal", "let", "open", "operator", "private", "precedencegroup", "protocol", "public",
        "rethrows", "static", "struct", "subscript", "typealias", "var", "break", "case", "catch", "continue",
        "default", "defer", "do", "else", "fallthrough", "for", "guard", "if", "in", "repeat", "return",
        "throw", "switch", "where", "while", "as", "await", "false", "is", "nil", "self", "Self", "super",
        "throws", "true", "try", "Any", "Type",
    ]
}
