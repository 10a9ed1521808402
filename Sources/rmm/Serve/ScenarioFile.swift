import ArgumentParser
import Foundation

/// A scenario's text and the name its failures are reported under: a file, or standard input for `-`.
struct ScenarioFile {
    /// `stdin` for standard input, otherwise the path as given.
    let name: String
    let text: String

    /// Reads `path`, or all of standard input when `path` is `-`; a file that cannot be read is reported on
    /// standard error under `command` and exits 1.
    static func read(_ path: String, command: String) throws -> ScenarioFile {
        if path == "-" {
            let data = FileHandle.standardInput.readDataToEndOfFile()
            return ScenarioFile(name: "stdin", text: String(decoding: data, as: UTF8.self))
        }
        do {
            return ScenarioFile(name: path, text: try String(contentsOfFile: path, encoding: .utf8))
        } catch {
            StandardStreams.diagnose("\(command): cannot read \(path): \(error.localizedDescription)")
            throw ExitCode.failure
        }
    }
}
