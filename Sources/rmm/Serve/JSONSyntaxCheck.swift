/// Finds the first place where a line stops being JSON (RFC 8259), so that a bad line is answered with the column
/// where it went wrong rather than a bare "not valid JSON".
///
/// Foundation's parser reports no usable position on every platform and accepts some text the RFC does not (a
/// trailing comma in an object), so the server checks the syntax itself before decoding. The check is iterative
/// over a bounded nesting depth: a megabyte of `[` cannot exhaust the stack.
struct JSONSyntaxCheck {
    /// Where and why the text is not JSON.
    struct Problem: Equatable {
        /// The 1-based column of the offending character, counted in Unicode scalars (the end of the line when the
        /// text stops too early).
        let column: Int
        /// What the parser wanted there, e.g. `expected ':' after an object key`.
        let expectation: String
    }

    /// Containers nested deeper than this are refused; no request needs more than a few levels.
    static let maximumDepth = 512

    /// The first problem in `bytes`, or `nil` when they hold exactly one JSON value (with optional whitespace).
    static func firstProblem(in bytes: some Collection<UInt8>) -> Problem? {
        var check = JSONSyntaxCheck(bytes: Array(bytes))
        return check.run()
    }

    private enum Container { case object, array }

    private let bytes: [UInt8]
    private var index = 0
    private var stack: [Container] = []

    private init(bytes: [UInt8]) { self.bytes = bytes }

    private var current: UInt8? { index < bytes.count ? bytes[index] : nil }

    /// The column of `index`: scalars before it, plus one (continuation bytes of UTF-8 do not start a scalar).
    private var column: Int {
        bytes[..<min(index, bytes.count)].reduce(1) { $0 + ($1 & 0xC0 == 0x80 ? 0 : 1) }
    }

    private func problem(_ expectation: String) -> Problem {
        Problem(column: column, expectation: expectation)
    }

    private mutating func skipWhitespace() {
        while let byte = current, byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D { index += 1 }
    }

    /// What the parser reads next: a value, an object member (key, colon, then a value), or, with neither, what
    /// follows a complete value.
    private enum Next { case value, member }

    private mutating func run() -> Problem? {
        var next: Next? = .value
        while true {
            skipWhitespace()
            switch next {
            case .member?:
                guard current == UInt8(ascii: "\"") else { return problem("expected a string key in double quotes") }
                if let problem = string() { return problem }
                skipWhitespace()
                guard current == UInt8(ascii: ":") else { return problem("expected ':' after an object key") }
                index += 1
                next = .value
                continue
            case .value?:
                if let problem = value(&next) { return problem }
                continue
            case nil:
                break
            }
            guard let container = stack.last else { break }
            switch (container, current) {
            case (.object, UInt8(ascii: "}")?), (.array, UInt8(ascii: "]")?):
                index += 1
                stack.removeLast()
            case (.object, UInt8(ascii: ",")?):
                index += 1
                next = .member
            case (.array, UInt8(ascii: ",")?):
                index += 1
                next = .value
            case (.object, _):
                return problem(current == nil ? "the object is not closed: expected ',' or '}'" : "expected ',' or '}'")
            case (.array, _):
                return problem(current == nil ? "the array is not closed: expected ',' or ']'" : "expected ',' or ']'")
            }
        }
        guard current == nil else { return problem("unexpected text after the JSON value") }
        return nil
    }

    /// One value. A scalar is read whole and `next` becomes `nil`; a container is opened, and `next` says what its
    /// first entry is (or `nil` if it closed at once).
    private mutating func value(_ next: inout Next?) -> Problem? {
        guard let byte = current else { return problem("expected a value, found the end of the line") }
        next = nil
        switch byte {
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            guard stack.count < Self.maximumDepth else {
                return problem("containers nested deeper than \(Self.maximumDepth) levels")
            }
            index += 1
            skipWhitespace()
            let isObject = byte == UInt8(ascii: "{")
            if current == UInt8(ascii: isObject ? "}" : "]") {
                index += 1
                return nil
            }
            stack.append(isObject ? .object : .array)
            next = isObject ? .member : .value
            return nil
        case UInt8(ascii: "\""):
            return string()
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return number()
        case UInt8(ascii: "t"): return literal("true")
        case UInt8(ascii: "f"): return literal("false")
        case UInt8(ascii: "n"): return literal("null")
        default:
            return problem("expected a value (object, array, string, number, true, false or null)")
        }
    }

    /// `true`, `false` or `null`; a word that only starts like one is reported where it starts.
    private mutating func literal(_ word: String) -> Problem? {
        let start = index
        for expected in word.utf8 {
            guard current == expected else {
                index = start
                return problem("expected a value (object, array, string, number, true, false or null)")
            }
            index += 1
        }
        return nil
    }

    private mutating func string() -> Problem? {
        index += 1
        while let byte = current {
            switch byte {
            case UInt8(ascii: "\""):
                index += 1
                return nil
            case UInt8(ascii: "\\"):
                index += 1
                switch current {
                case UInt8(ascii: "\"")?, UInt8(ascii: "\\")?, UInt8(ascii: "/")?, UInt8(ascii: "b")?,
                    UInt8(ascii: "f")?, UInt8(ascii: "n")?, UInt8(ascii: "r")?, UInt8(ascii: "t")?:
                    index += 1
                case UInt8(ascii: "u")?:
                    index += 1
                    for _ in 0..<4 {
                        guard let digit = current, ServeValues.hexDigitValue(digit) != nil else {
                            return problem("expected four hexadecimal digits after \\u")
                        }
                        index += 1
                    }
                default:
                    return problem("invalid escape in a string")
                }
            case 0x00..<0x20:
                return problem("a control character inside a string must be escaped")
            default:
                index += 1
            }
        }
        return problem("the string is not closed: expected '\"'")
    }

    private mutating func number() -> Problem? {
        func digits() -> Int {
            var count = 0
            while let byte = current, byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") {
                index += 1
                count += 1
            }
            return count
        }
        if current == UInt8(ascii: "-") { index += 1 }
        if current == UInt8(ascii: "0") {
            index += 1
        } else if digits() == 0 {
            return problem("expected a digit")
        }
        if current == UInt8(ascii: ".") {
            index += 1
            guard digits() > 0 else { return problem("expected a digit after the decimal point") }
        }
        if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
            index += 1
            if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { index += 1 }
            guard digits() > 0 else { return problem("expected a digit in the exponent") }
        }
        return nil
    }
}
