public import RMM

extension TrackingMetadataSource {
    /// The names the CLI's `--tracking-metadata` and the serve protocol use.
    public var name: String {
        switch self {
        case .preallocated: "preallocated"
        case .donated: "donated"
        }
    }

    /// The source named `name` (`preallocated` or `donated`), or `nil`.
    public init?(name: String) {
        switch name {
        case "preallocated": self = .preallocated
        case "donated": self = .donated
        default: return nil
        }
    }
}
