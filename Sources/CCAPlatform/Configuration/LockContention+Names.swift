public import RMM

extension LockContention {
    /// The names the CLI's `--lock-contention` uses.
    public var name: String {
        switch self {
        case .busy: "busy"
        case .spin: "spin"
        }
    }

    /// The choice named `name` (`busy` or `spin`), or `nil`.
    public init?(name: String) {
        switch name {
        case "busy": self = .busy
        case "spin": self = .spin
        default: return nil
        }
    }
}
