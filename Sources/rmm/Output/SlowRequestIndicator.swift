import Foundation
import Synchronization

/// Shows on a terminal's standard error that a serve request is still running, once it has taken more than a
/// second: which line, how long, and how many SMCs the machine has answered meanwhile. Nothing is written when
/// standard error is not a terminal, so a harness reading the pipes sees only the protocol.
///
/// A timer on a background queue redraws the line every half second until the request ends; `finish()` stops it
/// and clears the line if anything was drawn.
final class SlowRequestIndicator: Sendable {
    private struct State {
        var finished = false
        var drawn = false
    }

    private let state = Mutex(State())
    private let label: String
    private let started = ContinuousClock.now
    private let smcCount: @Sendable () -> UInt64
    private let write: @Sendable (String) -> Void
    private let firstSMCCount: UInt64

    /// Starts watching a request; draws only when `terminal` is true (by default: standard error is a terminal).
    init(
        label: String, smcCount: @escaping @Sendable () -> UInt64, after delay: Duration = .seconds(1),
        terminal: Bool = isatty(STDERR_FILENO) == 1,
        write: @escaping @Sendable (String) -> Void = { FileHandle.standardError.write(Data($0.utf8)) }
    ) {
        self.label = label
        self.smcCount = smcCount
        self.write = write
        // On a pipe nothing is ever drawn, so the counters are not even read.
        self.firstSMCCount = terminal ? smcCount() : 0
        guard terminal else {
            state.withLock { $0.finished = true }
            return
        }
        schedule(after: delay)
    }

    private func schedule(after delay: Duration) {
        let nanoseconds =
            Int(delay.components.seconds) * 1_000_000_000 + Int(delay.components.attoseconds / 1_000_000_000)
        DispatchQueue.global().asyncAfter(deadline: .now() + .nanoseconds(nanoseconds)) { [self] in
            let drew = state.withLock { state -> Bool in
                guard !state.finished else { return false }
                state.drawn = true
                write("\r\u{1B}[2K" + line())
                return true
            }
            if drew { schedule(after: .milliseconds(500)) }
        }
    }

    /// The text drawn: the request, the time it has run and the SMCs answered since it started.
    func line() -> String {
        let elapsed = ContinuousClock.now - started
        let smcs = smcCount() &- firstSMCCount
        return "  \(label): running for \(elapsed.components.seconds) s, \(smcs) SMCs so far"
    }

    /// Stops the indicator and clears its line if it drew one. Call it before writing the response.
    func finish() {
        let clear = state.withLock { state -> Bool in
            defer { state.finished = true }
            return state.drawn && !state.finished
        }
        if clear { write("\r\u{1B}[2K") }
    }
}
