import CCAArch
import CCAPlatform

extension ServeSession {
    /// `smc`: an SMC from a host CPU. `x` holds X0..X6 (1 to 7 quantities, missing trailing registers zero);
    /// `cpu` defaults to 0. Answers `{"x":[X0,X1,X2,X3,X4]}`.
    func smc(_ request: ServeRequest) throws(ServeRequestError) -> [(key: String, value: ServeJSON)] {
        let cpu = try request.cpu(count: machine.configuration.cpuCount)
        let registers = try request.array("x")
        guard (1...SMCArguments.count).contains(registers.count) else {
            throw ServeRequestError("field 'x': expected 1 to \(SMCArguments.count) registers, got \(registers.count)")
        }
        var arguments = SMCArguments(0)
        for (index, register) in registers.enumerated() {
            arguments[index] = try ServeValues.quantity(register, field: "x[\(index)]")
        }
        let answer = machine.smc(arguments, cpu: cpu)
        return [("x", .array((0..<5).map { .quantity(answer[$0]) }))]
    }

    /// `stats`: the architectural counters since start, as JSON integers.
    func stats() -> [(key: String, value: ServeJSON)] {
        let counters = machine.counters.snapshot()
        return [
            ("smc", .integer(counters.smc)),
            ("el3_calls", .integer(counters.el3Calls)),
            ("tlbi", .integer(counters.tlbi)),
            ("dsb", .integer(counters.dsb)),
            ("cipapa_lines", .integer(counters.cipapaLines)),
            ("scrubbed_bytes", .integer(counters.scrubbedBytes)),
            ("gpf", .integer(counters.gpcFaults)),
        ]
    }

    /// `check`: the machine's invariant checker.
    func check() -> [(key: String, value: ServeJSON)] {
        let violations = machine.checkInvariants()
        guard !violations.isEmpty else { return [("ok", .bool(true))] }
        return [("ok", .bool(false)), ("violations", .array(violations.map { .string($0) }))]
    }

    /// `inject`: queues `count` (default 1) faults named `fault`, or drops every pending one for `clear`.
    func inject(_ request: ServeRequest) throws(ServeRequestError) -> [(key: String, value: ServeJSON)] {
        let name = try request.string("fault")
        guard name == "clear" || InjectedFault(rawValue: name) != nil else {
            throw ServeRequestError(
                "unknown fault '\(ServeRequestError.quoted(name))': expected busy, blocked, zero_progress, "
                    + "el3_refuse, el3_busy, irq or clear")
        }
        let count = try request.integer("count", in: 0...Int.max, default: 1)
        do {
            try machine.faultInjector.inject(named: name, count: count)
        } catch {
            throw ServeRequestError(error.description)
        }
        return [("ok", .bool(true))]
    }
}
