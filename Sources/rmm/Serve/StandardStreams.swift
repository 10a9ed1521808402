#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Unbuffered standard input and output for the serve loop: every response reaches the pipe when `write` returns.
enum StandardStreams {
    /// Reads up to `buffer.count` bytes from standard input; 0 at end of input, `nil` on an error other than EINTR.
    static func readInput(into buffer: inout [UInt8]) -> Int? {
        while true {
            let count = unsafe buffer.withUnsafeMutableBytes { unsafe read(0, $0.baseAddress, $0.count) }
            if count >= 0 { return count }
            if errno != EINTR { return nil }
        }
    }

    /// Writes all of `text` to standard output; `false` if the reader went away.
    static func writeOutput(_ text: String) -> Bool {
        var bytes = Array(text.utf8)[...]
        while !bytes.isEmpty {
            let written = unsafe bytes.withUnsafeBytes { unsafe write(1, $0.baseAddress, $0.count) }
            if written < 0 {
                if errno == EINTR { continue }
                return false
            }
            bytes = bytes.dropFirst(written)
        }
        return true
    }

    /// Writes one diagnostic line to standard error.
    static func diagnose(_ message: String) {
        let line = Array((message + "\n").utf8)
        _ = unsafe line.withUnsafeBytes { unsafe write(2, $0.baseAddress, $0.count) }
    }

    /// Makes a closed output pipe an error from `write` instead of a fatal SIGPIPE.
    static func ignoreBrokenPipe() {
        _ = signal(SIGPIPE, SIG_IGN)
    }
}
