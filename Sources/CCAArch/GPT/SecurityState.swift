/// A physical address space (PAS), and the security state an access is made from.
///
/// The raw value is the architecture's PAS number used by the granule protection check for the `10xx` GPI
/// group: Secure 0, Non-secure 1, Root 2, Realm 3.
@frozen
public enum SecurityState: UInt8, CaseIterable, Hashable, Sendable {
    /// Secure PAS (0).
    case secure = 0
    /// Non-secure PAS (1): the host.
    case nonSecure = 1
    /// Root PAS (2): EL3 firmware.
    case root = 2
    /// Realm PAS (3): realms and the RMM.
    case realm = 3

    /// The lowercase name the serve protocol uses: `secure`, `ns`, `root`, `realm`.
    public var protocolName: StaticString {
        switch self {
        case .secure: "secure"
        case .nonSecure: "ns"
        case .root: "root"
        case .realm: "realm"
        }
    }
}
