import Foundation

/// The value formats of the protocol (docs/serve-protocol.md, "Lines and values"): 64-bit quantities and byte data.
enum ServeValues {
    /// The largest JSON number accepted as a quantity: 2^53, beyond which a double cannot hold every integer.
    static let largestJSONInteger: UInt64 = 1 << 53

    /// Decodes a 64-bit quantity: a `0x` hexadecimal string (either case, 1 to 16 digits), a decimal string, or a
    /// JSON integer from 0 to 2^53.
    ///
    /// - Throws: a message naming `field` for a value of another type, a malformed string, a negative or
    ///   fractional number, or one beyond the range.
    static func quantity(_ value: Any, field: String) throws(ServeRequestError) -> UInt64 {
        if let text = value as? String {
            return try quantity(string: text, field: field)
        }
        guard let number = value as? NSNumber, !isBoolean(number) else {
            throw ServeRequestError("field '\(field)': expected a 64-bit quantity (\"0x...\" string or integer)")
        }
        let text = number.stringValue
        if text.hasPrefix("-") {
            throw ServeRequestError("field '\(field)': \(ServeRequestError.quoted(text)) is negative")
        }
        guard !text.isEmpty, text.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else {
            throw ServeRequestError("field '\(field)': \(ServeRequestError.quoted(text)) is not an integer")
        }
        guard let integer = UInt64(text), integer <= largestJSONInteger else {
            throw ServeRequestError(
                "field '\(field)': JSON integer \(ServeRequestError.quoted(text)) is above 2^53; "
                    + "write it as a \"0x...\" string")
        }
        return integer
    }

    /// Decodes a quantity written as a string: `0x` and hexadecimal digits, or decimal digits.
    static func quantity(string text: String, field: String) throws(ServeRequestError) -> UInt64 {
        let quoted = ServeRequestError.quoted(text)
        if text.hasPrefix("0x") || text.hasPrefix("0X") {
            let digits = text.dropFirst(2)
            guard !digits.isEmpty, digits.utf8.allSatisfy({ hexDigitValue($0) != nil }) else {
                throw ServeRequestError("field '\(field)': \"\(quoted)\" is not a hexadecimal number")
            }
            guard let value = UInt64(digits, radix: 16) else {
                throw ServeRequestError("field '\(field)': \"\(quoted)\" does not fit in 64 bits")
            }
            return value
        }
        guard !text.isEmpty, text.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else {
            throw ServeRequestError(
                "field '\(field)': \"\(quoted)\" is neither \"0x\" hexadecimal nor a decimal number")
        }
        guard let value = UInt64(text) else {
            throw ServeRequestError("field '\(field)': \"\(quoted)\" does not fit in 64 bits")
        }
        return value
    }

    /// Whether `number` is a JSON `true` or `false` (Foundation hands both out as `NSNumber`).
    static func isBoolean(_ number: NSNumber) -> Bool {
        type(of: number) == type(of: NSNumber(value: true))
    }

    /// Decodes byte data: hexadecimal digits, two per byte, either case, no prefix.
    static func bytes(hex text: String, field: String) throws(ServeRequestError) -> [UInt8] {
        let utf8 = Array(text.utf8)
        guard utf8.count % 2 == 0 else {
            throw ServeRequestError("field '\(field)': odd number of hexadecimal digits (\(utf8.count))")
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(utf8.count / 2)
        var index = 0
        while index < utf8.count {
            guard let high = hexDigitValue(utf8[index]), let low = hexDigitValue(utf8[index + 1]) else {
                throw ServeRequestError("field '\(field)': invalid hexadecimal digit at offset \(index)")
            }
            bytes.append(high << 4 | low)
            index += 2
        }
        return bytes
    }

    /// Encodes byte data as lowercase hexadecimal digits, two per byte.
    static func hex(bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var utf8: [UInt8] = []
        utf8.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            utf8.append(digits[Int(byte >> 4)])
            utf8.append(digits[Int(byte & 0xF)])
        }
        return String(decoding: utf8, as: UTF8.self)
    }

    /// The value of one ASCII hexadecimal digit, or `nil`.
    static func hexDigitValue(_ character: UInt8) -> UInt8? {
        switch character {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): character - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): character - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): character - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
