import CCAArch
import CHostRuntime

/// What the C function's hooks reach during one exploration: the current run's adversary, the host's memory,
/// and the WARNs it fired. One per exploration, confined to the exploring thread.
final class CHostCallContext {
    let arena: CHostArena
    /// The current run's adversary.
    var rmm: AdversarialRMM?
    /// SMCs a run may issue before the call is stopped (the SMC bound plus one, as the Linux loop's watchdog).
    var smcCap = 0
    /// WARNs of the current run, as `file:line: text`.
    var warnings: [String] = []
    /// The callbacks handed to the runtime; their context is this object (unretained: it outlives every call).
    private(set) var callbacks = chr_callbacks()

    init(arena: CHostArena) {
        self.arena = arena
        callbacks = chr_callbacks(
            context: Unmanaged.passUnretained(self).toOpaque(),
            smc: { context, input, output in
                guard let context, let input, let output else { return 1 }
                return CHostCallContext.from(context).smc(input, output)
            },
            alloc_pages: { context, order, zero in
                guard let context else { return nil }
                return CHostCallContext.from(context).arena.allocate(order: order, zero: zero != 0)
            },
            free_pages: { context, address, _ in
                guard let context, let address else { return }
                CHostCallContext.from(context).arena.free(address)
            },
            virt_to_phys: { context, address in
                guard let context, let address else { return ~0 }
                return CHostCallContext.from(context).arena.physicalAddress(of: address) ?? ~0
            },
            phys_to_virt: { context, pa in
                guard let context else { return nil }
                return CHostCallContext.from(context).arena.pointer(to: pa)
            },
            warn: { context, file, line, text in
                guard let context else { return }
                let site = file.map { String(cString: $0) } ?? "?"
                let message = text.map { String(cString: $0) } ?? "WARN"
                CHostCallContext.from(context).warnings.append("\(site):\(line): \(message)")
            })
    }

    private static func from(_ context: UnsafeMutableRawPointer) -> CHostCallContext {
        Unmanaged<CHostCallContext>.fromOpaque(context).takeUnretainedValue()
    }

    /// An SMC of the C function: answered by the run's adversary, then the mapping follows the granules.
    private func smc(_ input: UnsafePointer<UInt64>, _ output: UnsafeMutablePointer<UInt64>) -> Int32 {
        guard let rmm, rmm.steps.count < smcCap else { return 1 }
        let answer = rmm.smc(SMCArguments(input[0], input[1], input[2], input[3], input[4], input[5], input[6]))
        output[0] = answer.x0
        output[1] = answer.x1
        output[2] = answer.x2
        output[3] = answer.x3
        output[4] = answer.x4
        arena.follow(rmm.state.granules)
        return 0
    }
}
