/// The operations of the serve protocol, one row each: the `op` name and the fields it reads.
///
/// Dispatch, the unknown-operation message and the unknown-field check all read this table, so an operation's
/// fields are written down once. Every request may also carry `op` and `id`.
struct ServeOperation: Equatable {
    /// The `op` value, e.g. `host.delegate`.
    let name: String
    /// The fields the operation reads besides `op` and `id`; any other field is refused by name.
    let fields: [String]

    /// Fields every request may carry.
    static let commonFields = ["op", "id"]

    static let smc = ServeOperation(name: "smc", fields: ["cpu", "x"])
    static let read = ServeOperation(name: "read", fields: ["world", "pa", "len"])
    static let write = ServeOperation(name: "write", fields: ["world", "pa", "data"])
    static let granule = ServeOperation(name: "granule", fields: ["pa"])
    static let stats = ServeOperation(name: "stats", fields: [])
    static let check = ServeOperation(name: "check", fields: [])
    static let inject = ServeOperation(name: "inject", fields: ["fault", "count"])
    static let hostInit = ServeOperation(name: "host.init", fields: ["cpu"])
    static let hostDelegate = ServeOperation(name: "host.delegate", fields: ["cpu", "base", "size"])
    static let hostUndelegate = ServeOperation(name: "host.undelegate", fields: ["cpu", "base", "size"])
    static let hostLeaks = ServeOperation(name: "host.leaks", fields: [])
    static let hostDeactivate = ServeOperation(name: "host.deactivate", fields: ["cpu"])

    /// Every operation, in the order the protocol document lists them.
    static let all: [ServeOperation] = [
        smc, read, write, granule, stats, check, inject, hostInit, hostDelegate, hostUndelegate, hostLeaks,
        hostDeactivate,
    ]

    /// The operation named `name`, or `nil`.
    static func named(_ name: String) -> ServeOperation? {
        all.first { $0.name == name }
    }

    /// The refusal of an unknown `op`, listing the known ones.
    static func unknownOperation(_ name: String) -> ServeRequestError {
        let names = all.map(\.name)
        return ServeRequestError(
            "unknown op '\(ServeRequestError.quoted(name))': expected "
                + names.dropLast().joined(separator: ", ") + " or " + names.last!)
    }

    /// Refuses the first field, in name order, that this operation does not read.
    func checkFields(of request: ServeRequest) throws(ServeRequestError) {
        let unknown = request.fields.keys.sorted().filter { !Self.commonFields.contains($0) && !fields.contains($0) }
        guard let first = unknown.first else { return }
        let accepted = fields.isEmpty ? "it takes no fields besides op and id" : "it takes " + Self.list(fields)
        throw ServeRequestError(
            "unknown field '\(ServeRequestError.quoted(first))' for op '\(name)': \(accepted)")
    }

    private static func list(_ names: [String]) -> String {
        names.count == 1 ? names[0] : names.dropLast().joined(separator: ", ") + " and " + names.last!
    }
}
