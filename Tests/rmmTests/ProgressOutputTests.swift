import Foundation
import Synchronization
import Testing

@testable import rmm

/// Progress output appears only on a terminal, and only for work that takes a while.
@Suite("Progress output")
struct ProgressOutputTests {
    final class Sink: Sendable {
        let written = Mutex<[String]>([])
        func write(_ text: String) { written.withLock { $0.append(text) } }
        var text: String { written.withLock { $0.joined() } }
    }

    @Test("a slow serve request shows its line, time and SMC count on a terminal, and clears it when done")
    func slowRequestOnTerminal() async throws {
        let sink = Sink()
        let indicator = SlowRequestIndicator(
            label: "rmm serve: line 3", smcCount: { 42 }, after: .milliseconds(20), terminal: true,
            write: sink.write)
        // A loaded machine may run the indicator late: wait for its first line (up to 30 s) rather than a set time.
        for _ in 0..<300 where !sink.text.contains("running for") {
            try await Task.sleep(for: .milliseconds(100))
        }
        indicator.finish()
        #expect(sink.text.contains("rmm serve: line 3: running for "), "\(sink.text)")
        #expect(sink.text.contains(" s, 0 SMCs so far"), "the count starts from the request's first SMC")
        #expect(sink.text.hasSuffix("\r\u{1B}[2K"))
        let count = sink.written.withLock { $0.count }
        try await Task.sleep(for: .milliseconds(100))
        #expect(sink.written.withLock { $0.count } == count, "nothing is drawn after finish()")
    }

    @Test("a request that ends within the delay draws nothing")
    func quickRequest() async throws {
        let sink = Sink()
        let indicator = SlowRequestIndicator(
            label: "x", smcCount: { 0 }, after: .milliseconds(200), terminal: true, write: sink.write)
        indicator.finish()
        try await Task.sleep(for: .milliseconds(300))
        #expect(sink.text.isEmpty)
    }

    @Test("nothing is drawn when standard error is not a terminal, however long the request")
    func notATerminal() async throws {
        let sink = Sink()
        let indicator = SlowRequestIndicator(
            label: "x", smcCount: { 0 }, after: .milliseconds(10), terminal: false, write: sink.write)
        try await Task.sleep(for: .milliseconds(100))
        indicator.finish()
        #expect(sink.text.isEmpty)
    }

    @Test("a progress bar never moves back")
    func barIsMonotonic() {
        var bar = ProgressBar("x", total: 100, terminal: false)
        #expect(bar.advances(10))
        bar.update(50)
        #expect(bar.percent(150) == 100 && bar.percent(-5) == 0)
        #expect(bar.line(percent: 50).hasSuffix("[###############...............] 50%"))
    }

    @Test("rmm serve through pipes writes nothing but responses, even for a long request")
    func pipesStayClean() throws {
        let process = Process()
        process.executableURL = try ServeFixture.executable()
        process.arguments = ["serve", "--activate", "--budget", "1"]
        let stdin = Pipe()
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
        try stdin.fileHandleForWriting.write(
            contentsOf: Data(#"{"op":"host.delegate","base":"0x80000000","size":"0x20000000"}"#.utf8 + [10]))
        try stdin.fileHandleForWriting.close()
        let output = String(decoding: stdout.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let errors = stderr.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(output.hasPrefix(#"{"ok":true,"top":"0xa0000000""#), "\(output)")
        #expect(errors.isEmpty)
    }

    @Test("rmm run of a scenario with a long line, through pipes, writes nothing on standard error")
    func runPipesStayClean() throws {
        let process = Process()
        process.executableURL = try ServeFixture.executable()
        process.arguments = ["run", "-", "--activate", "--budget", "1"]
        let stdin = Pipe()
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
        let line = #"{"op":"host.delegate","base":"0x80000000","size":"0x20000000","expect":{"ok":true}}"#
        try stdin.fileHandleForWriting.write(contentsOf: Data(line.utf8 + [10]))
        try stdin.fileHandleForWriting.close()
        let output = String(decoding: stdout.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let errors = stderr.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        #expect(output == "stdin: passed: 1 request, 1 checked, 0 failures\n")
        #expect(errors.isEmpty)
    }
}
