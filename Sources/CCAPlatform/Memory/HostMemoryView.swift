public import CCAArch
import Glibc
import Synchronization

/// The host's view of DRAM: a second mapping of the model's memory (the same pages, no copies) in which every
/// granule the host may not access is inaccessible, as a kernel's linear map is behind the granule protection
/// check. C host code reaches Non-secure DRAM through ordinary pointers (`pointer(to:)`); an access to a granule
/// the RMM holds faults at once, at an address `physicalAddress(of:)` turns back into the PA a kernel oops would
/// name.
///
/// The view follows every GPI change EL3 makes (`EL3FirmwareService` calls `setAccessible` after each GPI_SET or
/// GTSI call that changed granules), with one `mprotect` per contiguous run, never one per granule. It changes after
/// the GPT does, as on hardware a change is visible only once EL3's TLB invalidation completes, and before the
/// SMC returns to the host. At boot all DRAM is Non-secure, so the whole view is accessible.
///
/// `@unchecked Sendable`: the bank list is immutable; `mprotect` is a system call on disjoint runs, and the
/// counter is atomic.
public final class HostMemoryView: @unchecked Sendable {
    /// One DRAM region's second mapping.
    @safe
    struct Bank {
        let base: UInt64
        let size: UInt64
        let view: UnsafeMutableRawPointer

        func release() { unsafe munmap(view, Int(size)) }
    }

    private let banks: [Bank]
    private let changes = Atomic<UInt64>(0)

    init(banks: [Bank]) { self.banks = banks }

    deinit { banks.forEach { $0.release() } }

    /// `mprotect` calls made since creation (one per contiguous run changed).
    public var protectionChanges: UInt64 {
        // Relaxed: a statistic read on its own.
        changes.load(ordering: .relaxed)
    }

    /// The host's pointer to `pa`, or `nil` when no DRAM is there.
    package func pointer(to pa: PhysicalAddress) -> UnsafeMutableRawPointer? {
        guard let bank = banks.first(where: { pa.rawValue >= $0.base && pa.rawValue - $0.base < $0.size }) else {
            return nil
        }
        return unsafe bank.view + Int(pa.rawValue - bank.base)
    }

    /// The physical address behind a pointer into the view, or `nil` when it points elsewhere.
    package func physicalAddress(of address: UnsafeRawPointer) -> PhysicalAddress? {
        let value = UInt(bitPattern: address)
        for bank in banks {
            let start = unsafe UInt(bitPattern: bank.view)
            if value >= start, UInt64(value - start) < bank.size {
                return PhysicalAddress(bank.base + UInt64(value - start))
            }
        }
        return nil
    }

    /// Makes `[base, base + count granules)` accessible (Non-secure) or not: one `mprotect` per bank the run meets.
    public func setAccessible(
        _ base: PhysicalAddress, granules count: UInt64, granuleSize: GranuleSize, _ accessible: Bool
    ) {
        guard count > 0 else { return }
        let start = base.rawValue
        let (end, overflow) = start.addingReportingOverflow(count << UInt64(granuleSize.shift))
        for bank in banks {
            let low = Swift.max(start, bank.base)
            let high = Swift.min(overflow ? UInt64.max : end, bank.base + bank.size)
            guard low < high else { continue }
            unsafe mprotect(
                bank.view + Int(low - bank.base), Int(high - low), accessible ? PROT_READ | PROT_WRITE : PROT_NONE)
            // Relaxed: a statistic.
            changes.add(1, ordering: .relaxed)
        }
    }
}
