import CCAArch
import CCAPlatform
import MachineHost
import RMIHost

extension ServeSession {
    /// The session's host library issuing its SMCs on `cpu`, sharing bring-up state, the delegation record and the
    /// leak ledger with every other CPU's.
    private func host(on cpu: Int) -> HostRMI {
        cpu == 0 ? host : host.using(MachineConduit(machine: machine, cpu: cpu))
    }

    /// `host.init`: the bring-up sequence on `cpu` (default 0). Answers `{"ok":true,"version":"2.0"}`, or
    /// `{"ok":false,"error":KIND,"status":"0x..","message":"..."}` with `status` only where the RMM returned one.
    /// After a successful bring-up it answers at once, without an SMC. An RMM already brought up by raw `smc`
    /// requests is adopted when its configuration is the host's (`HostRMI.initialize()`), and otherwise the
    /// message says what RMI_RMM_STATE_GET and RMI_RMM_CONFIG_GET found.
    func hostInit(_ request: ServeRequest) throws(ServeRequestError) -> [(key: String, value: ServeJSON)] {
        let cpu = try request.cpu(count: machine.configuration.cpuCount)
        let host = host(on: cpu)
        do {
            try host.initialize()
        } catch {
            var members: [(key: String, value: ServeJSON)] = [("ok", .bool(false)), ("error", .string(error.kind))]
            if let status = error.status { members.append(("status", .quantity(UInt64(status.rawValue)))) }
            members.append(("message", .string(error.description)))
            return members
        }
        let version = host.version.map { "\($0.major).\($0.minor)" } ?? "unknown"
        return [("ok", .bool(true)), ("version", .string(version))]
    }

    /// `host.delegate` / `host.undelegate`: the range helpers on `cpu` (default 0) over `[base, base + size)`.
    ///
    /// Answers `{"ok":true,"top":T,"smc":N}` or `{"ok":false,"error":KIND,"top":T,"status":"0x..","smc":N,
    /// "message":"..."}` with `status` only where the RMM returned one. An undelegation that fails leaks the
    /// unfinished suffix (`host.leaks` lists it).
    func hostRange(
        _ request: ServeRequest, operation: RangeOutcome.Operation
    ) throws(ServeRequestError) -> [(key: String, value: ServeJSON)] {
        let cpu = try request.cpu(count: machine.configuration.cpuCount)
        let base = PhysicalAddress(try request.quantity("base"))
        let size = try request.quantity("size")
        let host = host(on: cpu)
        let outcome =
            switch operation {
            case .delegate: host.delegate(base: base, size: size)
            case .undelegate: host.undelegate(base: base, size: size)
            }
        guard let failure = outcome.failure else {
            return [
                ("ok", .bool(true)), ("top", .quantity(outcome.top.rawValue)), ("smc", .integer(smcCount(outcome))),
            ]
        }
        var members: [(key: String, value: ServeJSON)] = [
            ("ok", .bool(false)), ("error", .string(failure.kind)), ("top", .quantity(outcome.top.rawValue)),
        ]
        if let status = failure.status { members.append(("status", .quantity(UInt64(status.rawValue)))) }
        members.append(("smc", .integer(smcCount(outcome))))
        members.append(
            ("message", .string(failure.kind == "not_initialized" ? Self.notInitializedMessage : failure.description)))
        return members
    }

    /// Why a host range operation was refused before `host.init` succeeded, and what to do about it.
    static let notInitializedMessage =
        "the host has not completed bring-up: send host.init first (it brings the RMM up, or adopts one already "
        + "brought up by raw SMCs); if host.init failed, its message says why"

    /// `host.deactivate`: `HostRMI.deactivate()` on `cpu` (default 0), which hands back what the host gave the RMM
    /// at bring-up and takes the RMM back to INIT. Answers `{"ok":true}`, or `{"ok":false,"error":KIND,
    /// "status":"0x..","message":"..."}` with KIND named after the `HostDeactivateError` case and `status` only
    /// where the RMM returned one. After success `host.init` brings the RMM up again.
    func hostDeactivate(_ request: ServeRequest) throws(ServeRequestError) -> [(key: String, value: ServeJSON)] {
        let cpu = try request.cpu(count: machine.configuration.cpuCount)
        do {
            try host(on: cpu).deactivate()
        } catch {
            var members: [(key: String, value: ServeJSON)] = [("ok", .bool(false)), ("error", .string(error.kind))]
            if let status = error.status { members.append(("status", .quantity(UInt64(status.rawValue)))) }
            members.append(("message", .string(error.description)))
            return members
        }
        return [("ok", .bool(true))]
    }

    /// `host.leaks`: every granule the host has given up on, ascending.
    func hostLeaks() -> [(key: String, value: ServeJSON)] {
        [("granules", .array(host.leakLedger.leakedGranules.map { .quantity($0.rawValue) }))]
    }

    private func smcCount(_ outcome: RangeOutcome) -> UInt64 { UInt64(max(outcome.smcCount, 0)) }
}
