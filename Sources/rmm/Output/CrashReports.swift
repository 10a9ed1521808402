import Foundation

/// How the Swift runtime reports a crash of this process.
enum CrashReports {
    /// Makes sure a crash never waits for a key: on a terminal the runtime's backtracer is interactive unless
    /// `SWIFT_BACKTRACE` says otherwise, and it reads that only when the process starts, so the tool starts itself
    /// again with `interactive=no` (keeping any other settings the user gave). Elsewhere it does nothing.
    static func nonInteractive() throws {
        guard isatty(STDIN_FILENO) == 1 || isatty(STDOUT_FILENO) == 1 || isatty(STDERR_FILENO) == 1 else { return }
        let current = ProcessInfo.processInfo.environment["SWIFT_BACKTRACE"] ?? ""
        guard !current.contains("interactive=") else { return }
        unsafe setenv("SWIFT_BACKTRACE", current.isEmpty ? "interactive=no" : current + ",interactive=no", 1)
        let arguments = CommandLine.arguments
        var argv: [UnsafeMutablePointer<CChar>?] = unsafe arguments.map { unsafe strdup($0) }
        unsafe argv.append(nil)
        unsafe execv("/proc/self/exe", &argv)
        // Only if the exec failed: go on in this process.
        unsafe argv.forEach { unsafe free($0) }
    }
}
