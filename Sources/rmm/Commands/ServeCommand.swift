import ArgumentParser

/// `rmm serve`: the JSON Lines driver (docs/serve-protocol.md, version 1).
struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Drive the platform model with JSON Lines requests on standard input.",
        discussion: """
            Reads one JSON object per line from standard input and writes exactly one JSON object per line to \
            standard output, in request order, flushed after each; blank lines get no answer. Diagnostics go to \
            standard error; when standard error is a terminal, a request that runs longer than a second shows \
            its progress there. Exits 0 at the end of input. Every operation, field, error and platform option is \
            described in docs/serve-protocol.md.

            Examples:
              echo '{"op":"granule","pa":"0x80000000"}' | rmm serve
              rmm serve --activate --cpus 2 < requests.jsonl
            """
    )

    @OptionGroup var platform: PlatformOptions

    func run() throws {
        let (machine, host) = try platform.machine()
        let session = ServeSession(machine: machine, host: host)
        StandardStreams.ignoreBrokenPipe()
        var reader = LineReader(maximumLineBytes: ServeSession.maximumLineBytes)
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        var lineNumber = 0
        while true {
            guard let count = StandardStreams.readInput(into: &buffer) else {
                StandardStreams.diagnose("rmm serve: cannot read standard input")
                throw ExitCode.failure
            }
            let lines = count == 0 ? reader.finish().map { [$0] } ?? [] : reader.feed(buffer[..<count])
            for line in lines {
                lineNumber += 1
                let indicator = SlowRequestIndicator(label: "rmm serve: line \(lineNumber)") { [machine] in
                    machine.counters.snapshot().smc
                }
                let answer =
                    switch line {
                    case .complete(let bytes): session.respond(toLine: bytes)
                    case .oversized(let byteCount): ServeSession.oversizedLineResponse(byteCount: byteCount)
                    }
                indicator.finish()
                guard let response = answer else { continue }
                guard StandardStreams.writeOutput(response + "\n") else {
                    StandardStreams.diagnose("rmm serve: standard output closed")
                    throw ExitCode.failure
                }
            }
            if count == 0 { return }
        }
    }
}
