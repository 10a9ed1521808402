import RMM

/// What `rmm --version` prints: the tool's own version, the RMI revision the model implements, and the revision of
/// the specification whose reading it follows (docs/spec-reading.md says where each ambiguity is decided).
enum ToolVersion {
    /// The tool's version, raised with each release of the repository.
    static let tool = "0.2.0"

    /// The RMI revision RMI_VERSION accepts and reports as the highest, e.g. `2.0`.
    static var rmi: String {
        let version = RealmManagementMonitor.implementedVersion
        return "\(version.major).\(version.minor)"
    }

    /// Three lines: tool, interface, specification.
    static var text: String {
        """
        rmm \(tool) (swift-rmm)
        RMI \(rmi): the only revision RMI_VERSION accepts, reported as both the lower and the higher one
        Specification: Arm DEN0137 Realm Management Monitor 2.0, the 2.0-bet2 text with the 2.0-bet3 rules where \
        they differ (--strict-range-state restores the bet2 reading of range commands); see docs/spec-reading.md
        """
    }
}
