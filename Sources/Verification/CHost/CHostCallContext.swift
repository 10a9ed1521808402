import CCAArch
import CHostRuntime

/// What the C function's hooks reach during one exploration: the current run's adversary, the host's memory,
/// and the WARNs it fired. One per exploration, confined to the exploring thread.
@safe
final class CHostCallContext {
    let arena: CHostArena
    /// The current run's adversary.
    var rmm: AdversarialRMM?
    /// SMCs a run may issue before the call is stopped (the SMC bound plus one, as the Linux loop's watchdog).
    var smcCap = 0
    /// WARNs of the current run, as `file:line: text`.
    var warnings: [String] = []
    /// The callbacks handed to the runtime; their context is this object (unretained: it outlives every call).
    private(set) var callbacks = unsafe chr_callbacks()

    init(arena: CHostArena) {
        self.arena = arena
        unsafe callbacks = unsafe chr_callbacks(
            context: Unmanaged.passUnretained(self).toOpaque(),
            smc: { context, input, output in
                guard let context = unsafe context, let input = unsafe input, let output = unsafe output else {
                    return 1
                }
                return unsafe CHostCallContext.from(context).smc(input, output)
            },
            alloc_pages: { context, order, zero in
                guard let context = unsafe context else { return nil }
                return unsafe CHostCallContext.from(context).arena.allocate(order: order, zero: zero != 0)
            },
            free_pages: { context, address, _ in
                guard let context = unsafe context, let address = unsafe address else { return }
                unsafe CHostCallContext.from(context).arena.free(address)
            },
            virt_to_phys: { context, address in
                guard let context = unsafe context, let address = unsafe address else { return ~0 }
                return unsafe CHostCallContext.from(context).arena.physicalAddress(of: address) ?? ~0
            },
            phys_to_virt: { context, pa in
                guard let context = unsafe context else { return nil }
                return unsafe CHostCallContext.from(context).arena.pointer(to: pa)
            },
            warn: { context, file, line, text in
                guard let context = unsafe context else { return }
                let site = unsafe file.map { unsafe String(cString: $0) } ?? "?"
                let message = unsafe text.map { unsafe String(cString: $0) } ?? "WARN"
                unsafe CHostCallContext.from(context).warnings.append("\(site):\(line): \(message)")
            })
    }

    private static func from(_ context: UnsafeMutableRawPointer) -> CHostCallContext {
        unsafe Unmanaged<CHostCallContext>.fromOpaque(context).takeUnretainedValue()
    }

    /// An SMC of the C function: answered by the run's adversary, then the mapping follows the granules.
    private func smc(_ input: UnsafePointer<UInt64>, _ output: UnsafeMutablePointer<UInt64>) -> Int32 {
        guard let rmm, unsafe rmm.steps.count < smcCap else { return 1 }
        let answer = unsafe rmm.smc(SMCArguments(input[0], input[1], input[2], input[3], input[4], input[5], input[6]))
        unsafe output[0] = answer.x0
        unsafe output[1] = answer.x1
        unsafe output[2] = answer.x2
        unsafe output[3] = answer.x3
        unsafe output[4] = answer.x4
        unsafe arena.follow(rmm.state.granules)
        return 0
    }
}
