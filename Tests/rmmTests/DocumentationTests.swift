import ArgumentParser
import Foundation
import Testing

@testable import rmm

/// The shipped documentation exists, is linked, and covers the serve protocol it describes.
@Suite("Documentation")
struct DocumentationTests {
    static let documents = [
        "serve-protocol.md", "scenarios.md", "rmi-coverage.md", "spec-reading.md", "explorer.md", "c-interface.md",
        "c-host.md", "fuzzing.md",
    ]

    static func text(_ relativePath: String) throws -> String {
        try String(contentsOf: ServeFixture.packageRoot.appendingPathComponent(relativePath), encoding: .utf8)
    }

    /// Every file of the package that points users at documentation.
    static func pointingFiles() throws -> [String] {
        let root = ServeFixture.packageRoot
        var files = ["README.md", "include/swift_rmm.h"]
        for folder in ["Sources/rmm", "Examples/scenarios"] {
            let enumerator = FileManager.default.enumerator(atPath: root.appendingPathComponent(folder).path)
            while let name = enumerator?.nextObject() as? String {
                if name.hasSuffix(".swift") || name.hasSuffix(".jsonl") { files.append("\(folder)/\(name)") }
            }
        }
        return files
    }

    @Test("every docs/ path the help texts, scenarios, header and README name exists, and no reference is bare")
    func pointersResolve() throws {
        let pattern = try NSRegularExpression(pattern: #"([A-Za-z/._-]*)\b([a-z-]+\.md)"#)
        var checked = 0
        for file in try Self.pointingFiles() {
            let text = try Self.text(file)
            let range = NSRange(text.startIndex..., in: text)
            for match in pattern.matches(in: text, range: range) {
                let whole = String(text[Range(match.range, in: text)!])
                guard whole.contains("docs/") || ["serve-protocol.md", "rmi-abi.md"].contains(whole) else { continue }
                #expect(whole.hasPrefix("docs/"), "\(file) names \(whole) without its folder")
                let path = whole.hasPrefix("docs/") ? whole : "docs/" + whole
                #expect(
                    FileManager.default.fileExists(atPath: ServeFixture.packageRoot.appendingPathComponent(path).path),
                    "\(file) points to \(path), which does not exist")
                checked += 1
            }
        }
        #expect(checked >= 10)
    }

    @Test("the README links each document", arguments: documents)
    func readmeLinks(document: String) throws {
        #expect(try Self.text("README.md").contains("](docs/\(document))"))
    }

    @Test("the help of each command a user meets first points to its document")
    func helpPointsToDocs() {
        #expect(ServeCommand.helpMessage().contains("docs/serve-protocol.md"))
        #expect(RunCommand.helpMessage().contains("docs/scenarios.md"))
        #expect(TraceCommand.helpMessage().contains("docs/scenarios.md"))
        #expect(CheckHostCommand.helpMessage().contains("docs/explorer.md"))
        #expect(CheckFuzzCommand.helpMessage().contains("docs/fuzzing.md"))
        #expect(ABICommand.helpMessage().contains("docs/rmi-coverage.md"))
        #expect(RMMCommand.helpMessage().contains("docs/c-interface.md"))
    }

    @Test("the protocol document describes every operation and every field it takes")
    func everyOperationDocumented() throws {
        let text = try Self.text("docs/serve-protocol.md")
        for operation in ServeOperation.all {
            #expect(text.contains("`\(operation.name)`"), "\(operation.name) is not documented")
            for field in operation.fields {
                #expect(text.contains("`\(field)`"), "field \(field) of \(operation.name) is not documented")
            }
        }
    }

    @Test("the protocol document lists every fault name and every host error kind")
    func everyKindDocumented() throws {
        let text = try Self.text("docs/serve-protocol.md")
        let names = [
            "busy", "blocked", "zero_progress", "el3_refuse", "irq", "clear", "unaligned", "overflow",
            "not_initialized", "rmm_error", "no_progress", "stalled", "no_rmm", "incompatible_version",
            "granule_size_unsupported", "already_active", "cancelled", "host_failure", "out_of_memory",
            "memory_fault", "tracking", "in_progress", "gpf", "walk", "address_size", "not_memory",
        ]
        for name in names { #expect(text.contains("`\(name)`"), "\(name) is not documented") }
    }
}
