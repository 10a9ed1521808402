import CCAArch

/// NUL-terminated copies of the names the C interface hands out, made once and never freed: the header promises
/// static storage.
enum CStrings {
    /// Granule state names by raw value (0...10), then "NONE".
    nonisolated(unsafe) static let granuleStates: [UnsafePointer<CChar>] =
        unsafe GranuleState.allCases.sorted { $0.rawValue < $1.rawValue }.map { unsafe make("\($0.name)") } + [
            make("NONE")
        ]

    /// GPI names by encoding (0...15), then "NONE".
    nonisolated(unsafe) static let gpis: [UnsafePointer<CChar>] =
        unsafe (0...15).map { unsafe make(GPI(rawValue: UInt8($0))!.name) } + [make("NONE")]

    /// RMI status names by encoding (0...16), then "UNKNOWN", then "SMCCC_NOT_SUPPORTED".
    nonisolated(unsafe) static let statuses: [UnsafePointer<CChar>] =
        unsafe RMIStatus.allDefined.map { unsafe make("\($0.name)") } + [make("UNKNOWN"), make("SMCCC_NOT_SUPPORTED")]

    /// `srmm_error_string` texts by return code, then "unknown code".
    nonisolated(unsafe) static let returnCodes: [Int32: UnsafePointer<CChar>] = unsafe Dictionary(
        uniqueKeysWithValues: ReturnCode.allCases.map { unsafe ($0.rawValue, make("\($0.message)")) })
    nonisolated(unsafe) static let unknownCode: UnsafePointer<CChar> = unsafe make("unknown code")

    /// A NUL-terminated heap copy of `text` that lives as long as the process.
    private static func make(_ text: String) -> UnsafePointer<CChar> {
        let bytes = Array(text.utf8)
        let storage = UnsafeMutablePointer<CChar>.allocate(capacity: bytes.count + 1)
        for (index, byte) in bytes.enumerated() { unsafe storage[index] = CChar(bitPattern: byte) }
        unsafe storage[bytes.count] = 0
        return unsafe UnsafePointer(storage)
    }
}
