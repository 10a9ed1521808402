import CCAPlatform
import Foundation
import MachineHost
import Testing

@testable import rmm

/// Sessions over fresh default machines, and helpers to read their answers.
enum ServeFixture {
    /// A session over a default machine (4 CPUs, 2 + 2 GiB DRAM), brought up first when `activate` is set.
    static func session(activate: Bool = false) throws -> ServeSession {
        let machine = try Machine()
        let host = machine.host()
        if activate { try host.initialize() }
        return ServeSession(machine: machine, host: host)
    }

    /// The response to `line`, decoded; an empty object if it is not a JSON object (which a test then fails on).
    static func answer(_ session: ServeSession, _ line: String) -> [String: Any] {
        let text = session.respond(toLine: line) ?? ""
        #expect(!text.contains("\n"), "a response is one line")
        return decode(text)
    }

    /// `text` decoded as a JSON object, or an empty object.
    static func decode(_ text: String) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] ?? [:]
    }

    /// The `error` message of a response, or `nil`.
    static func error(_ session: ServeSession, _ line: String) -> String? {
        answer(session, line)["error"] as? String
    }

    /// The `rmm` executable SwiftPM built next to the test bundle (`.build/<configuration>/rmm`).
    static func executable() throws -> URL {
        var candidates: [URL] = []
        if let first = CommandLine.arguments.first {
            candidates.append(URL(fileURLWithPath: first).deletingLastPathComponent().appendingPathComponent("rmm"))
        }
        candidates.append(Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent("rmm"))
        candidates.append(Bundle.main.bundleURL.appendingPathComponent("rmm"))
        candidates.append(packageRoot.appendingPathComponent(".build/debug/rmm"))
        guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0.path) }) else {
            throw FixtureError("no rmm executable among \(candidates.map(\.path))")
        }
        return found
    }

    /// The package's root directory.
    static var packageRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
    }

    /// A shipped scenario file.
    static func scenario(_ name: String) -> URL {
        packageRoot.appendingPathComponent("Examples/scenarios").appendingPathComponent(name)
    }

    /// Runs `rmm` with `arguments`, feeding `input` on standard input; returns the exit status and standard output.
    static func runTool(_ arguments: [String], input: Data = Data()) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = try executable()
        process.arguments = arguments
        let stdin = Pipe()
        let stdout = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = FileHandle.nullDevice
        try process.run()
        let writer = stdin.fileHandleForWriting
        // Written from another thread: the child answers while it reads, and a large input would otherwise block
        // on a full pipe.
        let done = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            try? writer.write(contentsOf: input)
            try? writer.close()
            done.signal()
        }
        let output = stdout.fileHandleForReading.readDataToEndOfFile()
        done.wait()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: output, as: UTF8.self))
    }

    struct FixtureError: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }
}
