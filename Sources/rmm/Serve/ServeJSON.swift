import Foundation

/// A JSON value as the server writes it: objects keep their keys in the order they were added, so every response
/// has one stable spelling (docs/serve-protocol.md, "Lines and values").
///
/// Responses are built from these values and rendered with `text`, never through `JSONSerialization`, whose key
/// order is not specified. The one exception is `raw`: the echoed `id`, re-encoded from what the request held.
enum ServeJSON {
    /// A string, escaped on output.
    case string(String)
    /// An unsigned integer, written in decimal (counters, levels, SMC counts).
    case integer(UInt64)
    case bool(Bool)
    case array([ServeJSON])
    /// An object whose keys are written in this order.
    case object([(key: String, value: ServeJSON)])
    /// Text that is already valid JSON (the echoed `id`).
    case raw(String)

    /// A 64-bit quantity as the protocol writes it: a string of lowercase hexadecimal with a `0x` prefix.
    static func quantity(_ value: UInt64) -> ServeJSON { .string("0x" + String(value, radix: 16)) }

    /// The compact JSON text of this value, on one line.
    var text: String {
        var out = ""
        write(to: &out)
        return out
    }

    /// Appends the compact JSON text of this value to `out`.
    func write(to out: inout String) {
        switch self {
        case .string(let value): Self.writeString(value, to: &out)
        case .integer(let value): out += String(value)
        case .bool(let value): out += value ? "true" : "false"
        case .raw(let text): out += text
        case .array(let elements):
            out += "["
            for (index, element) in elements.enumerated() {
                if index > 0 { out += "," }
                element.write(to: &out)
            }
            out += "]"
        case .object(let members):
            out += "{"
            for (index, member) in members.enumerated() {
                if index > 0 { out += "," }
                Self.writeString(member.key, to: &out)
                out += ":"
                member.value.write(to: &out)
            }
            out += "}"
        }
    }

    /// Writes `value` as a JSON string: quote, backslash and every control character escaped (RFC 8259 section 7),
    /// so a response stays on one line whatever the request held.
    static func writeString(_ value: String, to out: inout String) {
        out += "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            case "\u{00}"..."\u{1F}", "\u{2028}", "\u{2029}":
                let code = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - code.count) + code
            default: out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
    }

    /// The JSON text of a value `JSONSerialization` produced (an echoed `id`): compact, object keys sorted, `null`
    /// where the value cannot be encoded.
    static func encodeParsed(_ value: Any) -> String {
        let options: JSONSerialization.WritingOptions = [.fragmentsAllowed, .sortedKeys, .withoutEscapingSlashes]
        guard JSONSerialization.isValidJSONObject([value]),
            let data = try? JSONSerialization.data(withJSONObject: value, options: options)
        else { return "null" }
        return String(decoding: data, as: UTF8.self)
    }
}
