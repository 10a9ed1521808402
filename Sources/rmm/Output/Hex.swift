/// Plain hexadecimal as the tool prints it: `0x` and uppercase digits, no separators (`0xC40001F1`).
func hex(_ value: UInt64) -> String { "0x" + String(value, radix: 16, uppercase: true) }

/// A column of text padded to `width` characters.
func pad(_ text: String, _ width: Int) -> String {
    text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
}

/// A quantity as the serve protocol and the map print it: `0x` and lowercase digits (`0xc40001f1`).
func lowercaseHex(_ value: UInt64) -> String { "0x" + String(value, radix: 16) }
