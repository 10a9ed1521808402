public import CCAArch

extension RealmManagementMonitor {
    /// The revision this RMM implements; it supports exactly one.
    public static var implementedVersion: RMIInterfaceVersion { .v2_0 }

    /// RMI_VERSION (DEN0137 B4.5.92): X1 the requested revision; X1 lower and X2 higher supported revision.
    ///
    /// The RMM supports exactly 2.0, so a request for 2.0 succeeds with lower = the request and higher = 2.0.
    /// Any other request (2.x, 3.0, 1.x, or a word with bits 63:31 set) answers RMI_ERROR_INPUT with
    /// lower = higher = 2.0, as the reference reads the compatibility rule. No lifecycle check.
    func version(requested: UInt64) -> SMCReturn {
        let highest = Self.implementedVersion.encoding
        guard let request = RMIInterfaceVersion(encoding: requested), request == Self.implementedVersion else {
            return .result(.errorInput, highest, highest)
        }
        return .result(.success, request.encoding, highest)
    }
}
