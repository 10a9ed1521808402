import CCAArch
import CCAPlatform

extension ServeSession {
    /// `read`: `len` (1 to 65536) bytes at `pa` as `world`. Answers `{"data":"..."}` or a fault.
    func read(_ request: ServeRequest) throws(ServeRequestError) -> [(key: String, value: ServeJSON)] {
        let world = try securityState(request)
        let pa = try request.quantity("pa")
        let length = try request.integer("len", in: 1...Self.maximumAccessBytes)
        switch machine.memory.read(world, pa: PhysicalAddress(pa), count: length) {
        case .success(let bytes): return [("data", .string(ServeValues.hex(bytes: bytes)))]
        case .failure(let fault): return try Self.faultResponse(fault)
        }
    }

    /// `write`: `data` (1 to 65536 bytes in hexadecimal) at `pa` as `world`. Answers `{"ok":true}` or a fault; a
    /// faulting write changes no byte.
    func write(_ request: ServeRequest) throws(ServeRequestError) -> [(key: String, value: ServeJSON)] {
        let world = try securityState(request)
        let pa = try request.quantity("pa")
        let text = try request.string("data")
        guard text.utf8.count <= 2 * Self.maximumAccessBytes else {
            throw ServeRequestError("field 'data': longer than \(Self.maximumAccessBytes) bytes")
        }
        let bytes = try ServeValues.bytes(hex: text, field: "data")
        guard !bytes.isEmpty else { throw ServeRequestError("field 'data': empty; write 1 to 65536 bytes") }
        switch machine.memory.write(world, pa: PhysicalAddress(pa), bytes: bytes) {
        case .success: return [("ok", .bool(true))]
        case .failure(let fault): return try Self.faultResponse(fault)
        }
    }

    /// `granule`: what the RMM and the GPT say about the granule holding `pa`. `NONE` stands for a state where no
    /// tracked memory covers the address, and for a GPI where the GPT has none (beyond the protected size).
    func granule(_ request: ServeRequest) throws(ServeRequestError) -> [(key: String, value: ServeJSON)] {
        let pa = try request.quantity("pa")
        let info = machine.inspect(PhysicalAddress(pa))
        return [
            ("state", .string(info.state.map { "\($0.name)" } ?? "NONE")),
            ("gpi", .string(info.gpi?.name ?? "NONE")),
            ("refcount", .integer(UInt64(info.refcount))),
        ]
    }

    /// The `world` field: `ns`, `realm`, `root` or `secure`.
    private func securityState(_ request: ServeRequest) throws(ServeRequestError) -> SecurityState {
        let name = try request.string("world")
        guard let state = SecurityState.allCases.first(where: { "\($0.protocolName)" == name }) else {
            throw ServeRequestError(
                "field 'world': unknown world '\(ServeRequestError.quoted(name))': expected ns, realm, root or secure")
        }
        return state
    }

    /// `{"fault":{...}}` for a refused access: `kind` (`gpf`, `walk`, `address_size`, `external_abort`), `pa` (the
    /// first failing address), `gpcsc` and `level` for a protection fault; `kind` `not_memory` and `pa` for an
    /// access that passed the check but reached no DRAM.
    private static func faultResponse(
        _ fault: MemoryFault
    ) throws(ServeRequestError) -> [(
        key: String, value: ServeJSON
    )] {
        let members: [(key: String, value: ServeJSON)]
        switch fault {
        case .protection(let fault):
            members = [
                ("kind", .string("\(fault.kind.protocolName)")),
                ("pa", .quantity(fault.pa.rawValue)),
                ("gpcsc", .quantity(UInt64(fault.gpcsc))),
                ("level", .integer(UInt64(fault.level))),
            ]
        case .notMemory(let pa):
            members = [("kind", .string("not_memory")), ("pa", .quantity(pa.rawValue))]
        case .invalidLength(let count):
            throw ServeRequestError("invalid access length \(count)")
        }
        return [("fault", .object(members))]
    }
}
