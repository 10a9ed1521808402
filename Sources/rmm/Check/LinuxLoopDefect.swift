import Verification

/// The defect of the Linux v14 range loop behind each kind of violation the explorer finds in it, in one sentence.
///
/// The loop (`LinuxV14Host`) retries RMI_BUSY and RMI_BLOCKED without bound, takes any RMI_SUCCESS as progress,
/// returns RMI_INCOMPLETE as if it were an error, and returns only a status.
enum LinuxLoopDefect {
    /// The sentence for `key`, or `nil` for a kind the loop is not known to show.
    static func sentence(for key: Violation.Key) -> String? {
        switch (key.kind, key.cause) {
        case (.smcBoundExceeded, "RMI_BUSY"):
            "RMI_BUSY is retried without bound, so an RMM that stays busy keeps the CPU in this loop forever."
        case (.smcBoundExceeded, "RMI_BLOCKED"):
            "RMI_BLOCKED is retried without bound, although it may mean that an operation (even the caller's own "
                + "unfinished one) holds the range, which no retry can release."
        case (.smcBoundExceeded, "RMI_SUCCESS with out_top == base"):
            "Any RMI_SUCCESS is taken as progress, so an RMM that answers SUCCESS without advancing out_top makes the "
                + "loop spin forever instead of failing."
        case (.smcBoundExceeded, _):
            "The loop has no bound of its own, so an RMM that keeps giving this answer keeps the CPU in it forever."
        case (.progressMismatch, _):
            "The loop returns only a status and trusts out_top, so after RMI_INCOMPLETE, an error or a bad out_top "
                + "its caller cannot know which part of the range changed state."
        case (.leakMismatch, _):
            "Granules the loop fails to undelegate are recorded nowhere, so the caller cannot keep them out of the "
                + "page allocator, which would hand Realm memory out again."
        default:
            nil
        }
    }
}
