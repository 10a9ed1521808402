/// A Granule Protection Information value: the 4-bit field of the GPT that says which physical address
/// spaces may access a granule.
///
/// A struct over the 4-bit encoding rather than a closed enum: reserved encodings exist and must be carried (a
/// walk that meets one is a GPT walk fault), and GPC2 adds values.
@frozen
public struct GPI: RawRepresentable, Hashable, Sendable {
    /// The 4-bit encoding (bits 3:0).
    public let rawValue: UInt8

    /// Any 4-bit value; `nil` above 0xF.
    @inlinable
    public init?(rawValue: UInt8) {
        guard rawValue <= 0xF else { return nil }
        self.rawValue = rawValue
    }

    @inlinable
    init(_ raw: UInt8) { self.rawValue = raw }

    /// No access (0b0000): every access faults.
    @inlinable public static var noAccess: GPI { GPI(0b0000) }
    /// Secure Access (0b0100), GPC2 only (GPCCR_EL3.SA).
    @inlinable public static var secureAccess: GPI { GPI(0b0100) }
    /// Non-secure Protected (0b0101), GPC2 only (GPCCR_EL3.NSP).
    @inlinable public static var nonSecureProtected: GPI { GPI(0b0101) }
    /// No access 6 (0b0110), GPC2 only (GPCCR_EL3.NA6).
    @inlinable public static var noAccess6: GPI { GPI(0b0110) }
    /// No access 7 (0b0111), GPC2 only (GPCCR_EL3.NA7).
    @inlinable public static var noAccess7: GPI { GPI(0b0111) }
    /// Secure PAS only (0b1000).
    @inlinable public static var secure: GPI { GPI(0b1000) }
    /// Non-secure PAS only (0b1001).
    @inlinable public static var nonSecure: GPI { GPI(0b1001) }
    /// Root PAS only (0b1010).
    @inlinable public static var root: GPI { GPI(0b1010) }
    /// Realm PAS only (0b1011).
    @inlinable public static var realm: GPI { GPI(0b1011) }
    /// Non-secure only, the NSO variant (0b1101), valid when GPCCR_EL3.NSO is set.
    @inlinable public static var nonSecureOnly: GPI { GPI(0b1101) }
    /// All PAS allowed (0b1111).
    @inlinable public static var any: GPI { GPI(0b1111) }

    /// The GPI that gives a single PAS sole access.
    @inlinable
    public static func only(_ state: SecurityState) -> GPI { GPI(0b1000 | state.rawValue) }

    /// Whether this encoding is defined by base RME (not reserved, not a GPC2 extension).
    ///
    /// Reserved encodings cause a GPT walk fault when the check meets them.
    @inlinable
    public var isValidBaseEncoding: Bool {
        switch rawValue {
        case 0b0000, 0b1000, 0b1001, 0b1010, 0b1011, 0b1111: true
        default: false
        }
    }

    /// The name the serve protocol and dumps use: NO_ACCESS, SECURE, NS, ROOT, REALM, ANY, NS_ONLY, SA, NSP,
    /// NA6, NA7, or RESERVED_0xN.
    public var name: String {
        switch rawValue {
        case 0b0000: "NO_ACCESS"
        case 0b0100: "SA"
        case 0b0101: "NSP"
        case 0b0110: "NA6"
        case 0b0111: "NA7"
        case 0b1000: "SECURE"
        case 0b1001: "NS"
        case 0b1010: "ROOT"
        case 0b1011: "REALM"
        case 0b1101: "NS_ONLY"
        case 0b1111: "ANY"
        default: "RESERVED_\(rawValue)"
        }
    }

    /// Whether an access from `state` is permitted by this GPI under base RME rules (NSO disabled).
    ///
    /// 0b10xx permits only the PAS numbered xx; 0b1111 permits all; 0b0000 none. Reserved encodings permit
    /// nothing (the check reports them as walk faults before asking this).
    @inlinable
    public func permits(_ state: SecurityState) -> Bool {
        switch rawValue {
        case 0b1111: true
        case 0b1000...0b1011: rawValue & 0b11 == state.rawValue
        default: false
        }
    }
}
