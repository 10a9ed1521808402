/// The size of the region one L0 GPT descriptor covers.
///
/// GPCCR_EL3.L0GPTSZ (Arm ARM, FEAT_RME), a read-only IMPLEMENTATION DEFINED field: encoding v means each L0
/// entry covers 2^(30 + v) bytes. The architecture defines v = 0 (1 GB), 4 (16 GB), 6 (64 GB) and 9 (512 GB).
@frozen
public struct L0GPTSize: RawRepresentable, Hashable, Sendable {
    /// The GPCCR_EL3.L0GPTSZ encoding v.
    public let rawValue: UInt64

    /// Decodes GPCCR_EL3.L0GPTSZ; `nil` for the reserved encodings (anything but 0, 4, 6, 9).
    @inlinable
    public init?(rawValue: UInt64) {
        switch rawValue {
        case 0, 4, 6, 9: self.rawValue = rawValue
        default: return nil
        }
    }

    /// The encoding for L0 regions of 2^`shift` bytes; `nil` unless `shift` is 30, 34, 36 or 39.
    @inlinable
    public init?(shift: Int) {
        guard shift >= 30, let size = L0GPTSize(rawValue: UInt64(shift - 30)) else { return nil }
        self = size
    }

    /// log2 of the bytes one L0 entry covers: 30 + v.
    @inlinable
    public var shift: Int { 30 + Int(rawValue) }

    /// The bytes one L0 entry covers.
    @inlinable
    public var bytes: UInt64 { 1 << UInt64(shift) }

    /// L0GPTSZ 0: 1 GB per L0 entry.
    @inlinable public static var size1GB: L0GPTSize { L0GPTSize(rawValue: 0)! }
    /// L0GPTSZ 4: 16 GB per L0 entry.
    @inlinable public static var size16GB: L0GPTSize { L0GPTSize(rawValue: 4)! }
    /// L0GPTSZ 6: 64 GB per L0 entry.
    @inlinable public static var size64GB: L0GPTSize { L0GPTSize(rawValue: 6)! }
    /// L0GPTSZ 9: 512 GB per L0 entry.
    @inlinable public static var size512GB: L0GPTSize { L0GPTSize(rawValue: 9)! }

    /// Every defined encoding, smallest first.
    public static let allCases: [L0GPTSize] = [.size1GB, .size16GB, .size64GB, .size512GB]
}
