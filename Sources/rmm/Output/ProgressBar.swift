import Foundation
import Synchronization

/// A progress bar on standard error for work that takes more than a second, drawn only when standard error is a
/// terminal, so piped and captured output stays clean.
///
/// The bar never moves back: a value below the one drawn is ignored. Nothing is drawn in the first second, so
/// quick runs print no bar at all.
struct ProgressBar {
    let label: String
    let total: Int
    let enabled: Bool
    /// When the bar may first be drawn.
    private let showAfter: ContinuousClock.Instant
    private var lastDrawn = -1
    private var drawn = false

    init(_ label: String, total: Int, terminal: Bool = isatty(STDERR_FILENO) == 1) {
        self.label = label
        self.total = max(total, 1)
        self.enabled = terminal
        self.showAfter = ContinuousClock.now + .seconds(1)
    }

    /// The percentage `done` stands for, clamped to 0...100.
    func percent(_ done: Int) -> Int { min(100, max(0, done) * 100 / total) }

    /// The text drawn for `percent`, after a carriage return.
    func line(percent: Int) -> String {
        let filled = percent * 30 / 100
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: 30 - filled)
        return "\r  \(label) [\(bar)] \(percent)%"
    }

    /// Whether `done` would move the bar forward.
    func advances(_ done: Int) -> Bool { percent(done) > lastDrawn }

    mutating func update(_ done: Int) {
        guard enabled, advances(done), ContinuousClock.now >= showAfter else { return }
        lastDrawn = percent(done)
        drawn = true
        FileHandle.standardError.write(Data(line(percent: lastDrawn).utf8))
    }

    func finish() {
        guard enabled, drawn else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[2K".utf8))
    }
}

/// A progress bar that several threads move (a partitioned exploration's workers).
final class SharedProgressBar: Sendable {
    private let bar: Mutex<ProgressBar>

    init(_ bar: ProgressBar) { self.bar = Mutex(bar) }

    func update(_ done: Int) { bar.withLock { $0.update(done) } }

    func finish() { bar.withLock { $0.finish() } }
}
