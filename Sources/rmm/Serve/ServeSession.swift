import CCAPlatform
import Foundation
import RMIHost

/// The `rmm serve` protocol engine (docs/serve-protocol.md, version 1): one request line in, one response line out.
///
/// Independent of standard input and output so that tests, `rmm run` and the command's read loop all drive the
/// same code. Every request is validated completely before it touches the machine, so a bad request leaves the
/// platform as it was. Responses are rendered by `ServeJSON` with a fixed key order: the echoed `id` first, then
/// the operation's keys in the order the protocol document lists them.
///
/// Choices the protocol document leaves open, made here:
/// - Key order: `id` first when the request had one, then the operation's keys as the document lists them; a
///   failed host operation adds `message`, one line of diagnosis, last. Counters, `level`, `refcount` and `smc`
///   counts are JSON integers; addresses, registers, `gpcsc` and `status` (the RmiStatusCode, e.g. `"0xa"` for
///   RMI_BUSY) are quantities.
/// - `id` is re-encoded compactly from its parsed value (object keys sorted; `1.0` may come back as `1`).
/// - A field holding `null` counts as absent; a field the operation does not read is refused by name (a misspelt
///   `sise` would otherwise be silently ignored); `inject` without `count` injects one.
/// - A 64-bit quantity also accepts `0X` and uppercase digits; no separators. Small integers (`cpu`, `len`,
///   `count`) take the same forms, then their range is checked.
/// - `read` and `write` require `world`; `write` takes 1 to 65536 bytes, like `read`.
/// - An access that passes the granule protection check but reaches no DRAM (a hole or device memory) answers
///   `{"fault":{"kind":"not_memory","pa":"0x..."}}`.
/// - `granule` answers `NONE` for `gpi` where the GPT has no entry (beyond the protected size), as for `state`.
/// - Every input line gets exactly one response, invalid UTF-8 included (an error), except a blank line (empty
///   or only spaces and tabs), which gets none. Malformed JSON is answered with the column where it goes wrong.
///
/// Not thread-safe: one session answers one stream of requests, in order.
final class ServeSession {
    /// The longest request line accepted, in bytes, without its newline: 1 MiB.
    static let maximumLineBytes = 1 << 20
    /// The longest `read` and the largest `write`, in bytes.
    static let maximumAccessBytes = 65536

    let machine: Machine
    /// The host library on CPU 0; the host operations issue their SMCs through siblings of it on other CPUs, so
    /// one leak ledger and one delegation record serve the whole machine.
    let host: HostRMI

    /// A session over `machine`, whose host library is `host` (brought up already or not).
    init(machine: Machine, host: HostRMI) {
        self.machine = machine
        self.host = host
    }

    /// Answers one request line (bytes without the newline; a trailing carriage return is ignored), or `nil` for a
    /// blank line, which gets no answer: a client that sends one is not put out of step.
    func respond(toLine line: [UInt8]) -> String? {
        var bytes = line[...]
        if bytes.last == UInt8(ascii: "\r") { bytes = bytes.dropLast() }
        guard bytes.count <= Self.maximumLineBytes else { return Self.oversizedLineResponse(byteCount: bytes.count) }
        guard !bytes.allSatisfy({ $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }) else { return nil }
        if let problem = JSONSyntaxCheck.firstProblem(in: bytes) {
            return Self.errorResponse("not valid JSON at column \(problem.column): \(problem.expectation)", id: nil)
        }
        guard let parsed = try? JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed]) else {
            return Self.errorResponse("not valid JSON", id: nil)
        }
        guard let fields = parsed as? [String: Any] else {
            return Self.errorResponse("not a JSON object", id: nil)
        }
        return respond(to: ServeRequest(fields: fields)).text
    }

    /// Answers one request line, or `nil` for a blank one.
    func respond(toLine line: String) -> String? {
        respond(toLine: Array(line.utf8))
    }

    /// The answer to a line longer than `maximumLineBytes`, which the reader discarded unread.
    static func oversizedLineResponse(byteCount: Int) -> String {
        errorResponse("line of \(byteCount) bytes is longer than the limit of \(maximumLineBytes) bytes", id: nil)
    }

    /// Answers one parsed request: the operation's response or `{"error": ...}`, with the `id` echoed.
    func respond(to request: ServeRequest) -> ServeJSON {
        let id = request.fields["id"].map { ServeJSON.raw(ServeJSON.encodeParsed($0)) }
        var members: [(key: String, value: ServeJSON)] = []
        if let id { members.append(("id", id)) }
        do {
            members += try perform(request)
        } catch {
            members.append(("error", .string(error.message)))
        }
        return .object(members)
    }

    /// An error response line.
    static func errorResponse(_ message: String, id: ServeJSON?) -> String {
        var members: [(key: String, value: ServeJSON)] = []
        if let id { members.append(("id", id)) }
        members.append(("error", .string(message)))
        return ServeJSON.object(members).text
    }

    /// Dispatches on `op`, once the request's fields are known to be the operation's.
    private func perform(_ request: ServeRequest) throws(ServeRequestError) -> [(key: String, value: ServeJSON)] {
        let name = try request.string("op")
        guard let operation = ServeOperation.named(name) else { throw ServeOperation.unknownOperation(name) }
        try operation.checkFields(of: request)
        switch operation {
        case .smc: return try smc(request)
        case .read: return try read(request)
        case .write: return try write(request)
        case .granule: return try granule(request)
        case .stats: return stats()
        case .check: return check()
        case .inject: return try inject(request)
        case .hostInit: return try hostInit(request)
        case .hostDelegate: return try hostRange(request, operation: .delegate)
        case .hostUndelegate: return try hostRange(request, operation: .undelegate)
        case .hostLeaks: return hostLeaks()
        case .hostDeactivate: return try hostDeactivate(request)
        default: throw ServeOperation.unknownOperation(name)
        }
    }
}
