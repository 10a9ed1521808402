import CCAArch

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The host's view of the explorer's memory: the range under test and the spare pool, each mapped at ordinary
/// addresses, so C code reaches them through `phys_to_virt` and the pages it allocates, as a kernel does through
/// its linear map.
///
/// A granule the host may not access (any state but Non-secure) is mapped inaccessible, so a host access to
/// delegated memory faults at once, at the granule's address; `physicalAddress(ofFault:)` names it. Protections
/// follow the model after every SMC, with one `mprotect` per contiguous run of changed granules.
@safe
final class CHostArena {
    let layout: ModelLayout
    private let granule: Int
    private let range: UnsafeMutableRawPointer
    private let spare: UnsafeMutableRawPointer
    /// Whether each model granule is mapped readable and writable now.
    private var accessible: [Bool]
    /// Spare granules the allocator has handed out: first index -> granule count.
    private var allocations: [Int: Int] = [:]
    private var inUse: [Bool]
    /// Whether a pointer into the mapping was ever handed out (`phys_to_virt`, page allocation). Until then the
    /// function cannot have written it, so a run needs no wipe; once one was, every later run is wiped, since a
    /// function may keep a pointer across calls in a static.
    private var pointerHandedOut = false

    init(layout: ModelLayout) throws(CHostError) {
        self.layout = layout
        granule = Int(layout.granuleSize.bytes)
        func map(_ granules: Int) throws(CHostError) -> UnsafeMutableRawPointer {
            let pointer = unsafe mmap(
                nil, Swift.max(granules, 1) * Int(layout.granuleSize.bytes), PROT_READ | PROT_WRITE,
                MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)
            guard let pointer = unsafe pointer, unsafe pointer != MAP_FAILED else { throw .runtime(errno: errno) }
            return unsafe pointer
        }
        unsafe range = unsafe try map(layout.rangeGranules)
        unsafe spare = unsafe try map(layout.spareGranules)
        accessible = Array(repeating: true, count: layout.granuleCount)
        inUse = Array(repeating: false, count: layout.spareGranules)
    }

    deinit {
        unsafe munmap(range, Swift.max(layout.rangeGranules, 1) * granule)
        unsafe munmap(spare, Swift.max(layout.spareGranules, 1) * granule)
    }

    /// The start of a run: every byte zero again (so no run sees what an earlier one wrote, and the search stays a
    /// function of the schedule), every spare page free, protections as `states` say.
    func reset(states: [ModelGranuleState]) {
        // Private anonymous memory reads as zero after MADV_DONTNEED, whatever its protection.
        if pointerHandedOut {
            unsafe madvise(range, Swift.max(layout.rangeGranules, 1) * granule, MADV_DONTNEED)
            unsafe madvise(spare, Swift.max(layout.spareGranules, 1) * granule, MADV_DONTNEED)
        }
        allocations.removeAll(keepingCapacity: true)
        for index in inUse.indices { inUse[index] = false }
        follow(states)
    }

    /// Makes the mapping follow `states`: Non-secure granules accessible, every other one not.
    func follow(_ states: [ModelGranuleState]) {
        var index = 0
        while index < states.count {
            let wanted = states[index] == .undelegated
            guard wanted != accessible[index] else {
                index += 1
                continue
            }
            // One call for the contiguous run of granules that change the same way (within one mapping).
            var end = index + 1
            while end < states.count, end != layout.rangeGranules, (states[end] == .undelegated) == wanted,
                accessible[end] != wanted
            {
                end += 1
            }
            unsafe mprotect(
                address(ofIndex: index), (end - index) * granule, wanted ? PROT_READ | PROT_WRITE : PROT_NONE)
            for changed in index..<end { accessible[changed] = wanted }
            index = end
        }
    }

    private func address(ofIndex index: Int) -> UnsafeMutableRawPointer {
        unsafe index < layout.rangeGranules
            ? range + index * granule : spare + (index - layout.rangeGranules) * granule
    }

    /// The pointer to physical address `pa`, or `nil` when the model has no memory there.
    func pointer(to pa: UInt64) -> UnsafeMutableRawPointer? {
        let base = pa & ~(UInt64(granule) - 1)
        guard let index = layout.index(of: base) else { return nil }
        pointerHandedOut = true
        return unsafe address(ofIndex: index) + Int(pa - base)
    }

    /// The physical address behind `pointer`, or `nil` when it does not point into the mapping.
    func physicalAddress(of pointer: UnsafeRawPointer) -> UInt64? {
        let value = UInt(bitPattern: pointer)
        let rangeStart = unsafe UInt(bitPattern: range)
        let spareStart = unsafe UInt(bitPattern: spare)
        if value >= rangeStart, value < rangeStart + UInt(layout.rangeGranules * granule) {
            return layout.rangeBase.rawValue + UInt64(value - rangeStart)
        }
        if value >= spareStart, value < spareStart + UInt(layout.spareGranules * granule) {
            return layout.spareBase.rawValue + UInt64(value - spareStart)
        }
        return nil
    }

    /// The physical address of a faulting access at `address`, when it lies in the mapping.
    func physicalAddress(ofFault address: UInt64) -> UInt64? {
        guard let pointer = unsafe UnsafeRawPointer(bitPattern: UInt(address)) else { return nil }
        return unsafe physicalAddress(of: pointer)
    }

    /// 2^order contiguous free spare pages, zeroed when asked; `nil` when there are none.
    func allocate(order: UInt32, zero: Bool) -> UnsafeMutableRawPointer? {
        guard order < 16 else { return nil }
        let count = 1 << Int(order)
        guard count <= inUse.count else { return nil }
        for first in 0...(inUse.count - count) where !inUse[first..<(first + count)].contains(true) {
            for index in first..<(first + count) { inUse[index] = true }
            allocations[first] = count
            pointerHandedOut = true
            let pointer = unsafe spare + first * granule
            if zero { unsafe memset(pointer, 0, count * granule) }
            return unsafe pointer
        }
        return nil
    }

    /// Frees what `allocate` returned (`order` ~0 means "as many pages as were allocated": kfree).
    func free(_ pointer: UnsafeMutableRawPointer) {
        let offset = unsafe UInt(bitPattern: pointer) &- UInt(bitPattern: spare)
        guard offset < UInt(inUse.count * granule), offset % UInt(granule) == 0,
            let count = allocations.removeValue(forKey: Int(offset) / granule)
        else {
            return
        }
        let first = Int(offset) / granule
        for index in first..<(first + count) { inUse[index] = false }
    }
}
