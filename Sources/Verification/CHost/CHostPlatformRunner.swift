public import CCAArch
public import CCAPlatform
import CHostRuntime

#if canImport(Glibc)
import Glibc
#endif

/// How one call of C host code against a platform ended.
public enum CHostPlatformOutcome: Hashable, Sendable {
    /// The function returned `ret`; `outTop` is what it wrote to `*out_top` (`nil` for the linux-range shape, or
    /// when it did not write it).
    case returned(ret: Int32, outTop: UInt64?)
    /// The function touched a granule the host may not access: a granule protection fault at `pa`.
    case granuleProtectionFault(pa: UInt64)
    /// BUG_ON fired, or a signal killed the call.
    case crashed(String)
    /// The function ran a whole watchdog period without calling the model.
    case stoppedByWatchdog
}

/// Runs C host code built with swift_rmm_linux.h against a real platform (the RMM and EL3 of `Machine`), not the
/// adversary: SMCs go to the platform on one CPU, pages come from a Non-secure DRAM range the caller sets aside,
/// and `phys_to_virt` points into the platform's host view (`PhysicalMemory.hostView`, the `hostView` platform
/// option): no copying, and an access to a granule the RMM holds is reported as a granule protection fault with
/// its PA. Confined to the calling thread.
@safe
public final class CHostPlatformRunner {
    public let machine: Machine
    public let library: CHostLibrary
    public let cpu: Int
    /// WARNs of every call so far, as `file:line: text`.
    public private(set) var warnings: [String] = []
    private let view: HostMemoryView
    private let pages: GranuleRange
    private var inUse: [Bool]
    private var allocations: [Int: Int] = [:]
    private var callbacks = unsafe chr_callbacks()

    /// - Parameter pages: Non-secure DRAM the page allocator may hand out (the function's own pages).
    public init(machine: Machine, library: CHostLibrary, cpu: Int = 0, pages: GranuleRange) throws(CHostError) {
        guard let view = machine.resources.memory.hostView else { throw .noHostView }
        self.machine = machine
        self.library = library
        self.cpu = cpu
        self.view = view
        self.pages = pages
        inUse = Array(repeating: false, count: Int(pages.granuleCount))
        unsafe callbacks = unsafe chr_callbacks(
            context: Unmanaged.passUnretained(self).toOpaque(),
            smc: { context, input, output in
                guard let context = unsafe context, let input = unsafe input, let output = unsafe output else {
                    return 1
                }
                let runner = unsafe Unmanaged<CHostPlatformRunner>.fromOpaque(context).takeUnretainedValue()
                let answer = unsafe runner.machine.smc(
                    SMCArguments(input[0], input[1], input[2], input[3], input[4], input[5], input[6]), cpu: runner.cpu)
                for index in 0..<5 { unsafe output[index] = answer[index] }
                return 0
            },
            alloc_pages: { context, order, zero in
                guard let context = unsafe context else { return nil }
                return unsafe Unmanaged<CHostPlatformRunner>.fromOpaque(context).takeUnretainedValue()
                    .allocate(order: order, zero: zero != 0)
            },
            free_pages: { context, address, _ in
                guard let context = unsafe context, let address = unsafe address else { return }
                unsafe Unmanaged<CHostPlatformRunner>.fromOpaque(context).takeUnretainedValue().free(address)
            },
            virt_to_phys: { context, address in
                guard let context = unsafe context, let address = unsafe address else { return ~0 }
                let runner = unsafe Unmanaged<CHostPlatformRunner>.fromOpaque(context).takeUnretainedValue()
                return unsafe runner.view.physicalAddress(of: address)?.rawValue ?? ~0
            },
            phys_to_virt: { context, pa in
                guard let context = unsafe context else { return nil }
                return unsafe Unmanaged<CHostPlatformRunner>.fromOpaque(context).takeUnretainedValue().view
                    .pointer(to: PhysicalAddress(pa))
            },
            warn: { context, file, line, text in
                guard let context = unsafe context else { return }
                let site = unsafe file.map { unsafe String(cString: $0) } ?? "?"
                let message = unsafe text.map { unsafe String(cString: $0) } ?? "WARN"
                unsafe Unmanaged<CHostPlatformRunner>.fromOpaque(context).takeUnretainedValue().warnings.append(
                    "\(site):\(line): \(message)")
            })
    }

    /// Calls `symbol` with the given shape on `[base, base + size)`.
    public func callRange(
        _ symbol: String, shape: CHostFunction.Shape, base: UInt64, size: UInt64
    ) throws(CHostError) -> CHostPlatformOutcome {
        let function = try library.function(named: symbol)
        let status = chr_thread_begin(CFunctionExplorer.watchdogMilliseconds)
        guard status == 0 else { throw .runtime(errno: status) }
        defer { chr_thread_end() }
        var outTop = CFunctionExplorer.outTopSentinel
        var outcome = unsafe chr_outcome()
        let end = unsafe withUnsafeMutablePointer(to: &outTop) { pointer in
            let third =
                unsafe shape == .linuxRangeOut ? pointer : chr_poison_page().assumingMemoryBound(to: UInt64.self)
            return unsafe chr_call_range(function.address, &callbacks, base, size, third, &outcome)
        }
        switch chr_end(rawValue: UInt32(bitPattern: end)) {
        case CHR_RETURNED:
            let written = shape == .linuxRangeOut && outTop != CFunctionExplorer.outTopSentinel
            return unsafe .returned(ret: outcome.ret, outTop: written ? outTop : nil)
        case CHR_TIMEOUT, CHR_STOPPED:
            return .stoppedByWatchdog
        case CHR_BUG:
            let text = unsafe withUnsafeBytes(of: outcome.text) {
                unsafe String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self)
            }
            return .crashed(
                unsafe "\(text) fired at \(outcome.file.map { unsafe String(cString: $0) } ?? "?"):\(outcome.line)")
        default:
            let address = unsafe outcome.fault_address
            guard unsafe outcome.signal == SIGSEGV || outcome.signal == SIGBUS else {
                return .crashed(unsafe "killed by \(CFunctionExplorer.signalName(outcome.signal))")
            }
            if let pointer = unsafe UnsafeRawPointer(bitPattern: UInt(address)),
                let pa = unsafe view.physicalAddress(of: pointer)
            {
                return .granuleProtectionFault(pa: pa.rawValue)
            }
            throw .outsideHostMemory(symbol: symbol, address: address, schedule: [])
        }
    }

    private func allocate(order: UInt32, zero: Bool) -> UnsafeMutableRawPointer? {
        guard order < 16 else { return nil }
        let count = 1 << Int(order)
        guard count <= inUse.count else { return nil }
        for first in 0...(inUse.count - count) where !inUse[first..<(first + count)].contains(true) {
            guard let pointer = unsafe view.pointer(to: pages.base + UInt64(first) * pages.granuleSize.bytes) else {
                return nil
            }
            for index in first..<(first + count) { inUse[index] = true }
            allocations[first] = count
            if zero { unsafe memset(pointer, 0, count * Int(pages.granuleSize.bytes)) }
            return unsafe pointer
        }
        return nil
    }

    private func free(_ address: UnsafeMutableRawPointer) {
        guard let pa = unsafe view.physicalAddress(of: address), pa >= pages.base, pa < pages.top else { return }
        let first = Int((pa - pages.base) / pages.granuleSize.bytes)
        guard let count = allocations.removeValue(forKey: first) else { return }
        for index in first..<(first + count) { inUse[index] = false }
    }
}
