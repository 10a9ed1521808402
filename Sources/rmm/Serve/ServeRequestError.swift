/// Why a request line was refused: the one-line message of the protocol's `{"error": ...}` response
/// (docs/serve-protocol.md, "Refused requests"). A refused request leaves the platform untouched.
struct ServeRequestError: Error, Equatable {
    /// One line, no trailing period, e.g. `field 'cpu': CPU 7 does not exist (the machine has 4)`.
    let message: String

    init(_ message: String) {
        self.message = message
    }

    /// At most 64 characters of text the client sent, for quoting it in a message without echoing a megabyte.
    static func quoted(_ text: String) -> String {
        text.count <= 64 ? text : String(text.prefix(61)) + "..."
    }
}
