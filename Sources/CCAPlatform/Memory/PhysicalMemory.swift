public import CCAArch
import Glibc
import Synchronization

/// The machine's DRAM as real bytes, sparse and lazily backed.
///
/// Each DRAM region is one reservation of address space (see `_UnsafeReservation`), advised for transparent huge
/// pages: a 1 TiB layout costs memory only for the 2 MiB blocks written (4 KiB pages where the kernel has huge
/// pages off), and memory reads as zero until written. Device (MMIO) regions and holes have no
/// bytes: an access that touches them fails with `MemoryFault.notMemory` and changes nothing.
///
/// The operations here are raw: they do not ask the granule protection check. `ProtectedMemory` is the checked
/// path every world uses; raw access is for the platform itself (EL3's view of memory, test set-up, dumps).
///
/// `@unchecked Sendable`: the banks are immutable after `init`; concurrent accesses to disjoint bytes are
/// independent, and ordering accesses to the same bytes is the caller's protocol (the GPT and the RMM's granule
/// locks serialise the owners of a granule, as on hardware).
public final class PhysicalMemory: @unchecked Sendable {
    /// The platform this memory belongs to (validated).
    public let configuration: PlatformConfiguration
    /// The DRAM banks in ascending address order.
    private let banks: [_Bank]
    /// Bytes zeroed by `zero` since creation.
    private let wiped = Atomic<UInt64>(0)
    /// `madvise` calls wipes made to drop pages since creation.
    private let pageDrops = Atomic<UInt64>(0)
    /// The host's view of DRAM, when `configuration.hostView` asked for it.
    public let hostView: HostMemoryView?

    /// Reserves address space for every DRAM region of `configuration`, which must validate.
    public init(configuration: PlatformConfiguration) throws(PhysicalMemoryError) {
        do {
            try configuration.validate()
        } catch {
            throw .invalidConfiguration(error)
        }
        var banks: [_Bank] = []
        var views: [HostMemoryView.Bank] = []
        for region in configuration.dramRegions.sorted(by: { $0.base < $1.base }) {
            guard region.size <= UInt64(Int.max) else {
                banks.forEach { $0.reservation.release() }
                views.forEach { $0.release() }
                throw .reservationFailed(region: region.name, size: region.size, errno: EOVERFLOW)
            }
            let reserved =
                unsafe configuration.hostView
                ? _UnsafeReservation.reserveShared(byteCount: Int(region.size)).map { unsafe ($0.0, Optional($0.1)) }
                : unsafe _UnsafeReservation.reserve(byteCount: Int(region.size), hugePages: true, trackingWrites: true)
                    .map { ($0, nil) }
            switch unsafe reserved {
            case .success(let (reservation, view)):
                banks.append(_Bank(region: region, reservation: reservation))
                if let view = unsafe view {
                    unsafe views.append(HostMemoryView.Bank(base: region.base.rawValue, size: region.size, view: view))
                }
            case .failure(let failure):
                banks.forEach { $0.reservation.release() }
                views.forEach { $0.release() }
                throw .reservationFailed(region: region.name, size: region.size, errno: failure.errno)
            }
        }
        self.configuration = configuration
        self.banks = banks
        hostView = configuration.hostView ? HostMemoryView(banks: views) : nil
    }

    deinit {
        for bank in banks { bank.reservation.release() }
    }

    /// Bytes zeroed through `rawZero` (and so through every checked `zero`) since creation.
    public var wipedByteCount: UInt64 {
        // Relaxed: a statistic read on its own; it orders no other memory.
        wiped.load(ordering: .relaxed)
    }

    /// The `madvise` calls wipes made to return pages to the host since creation (one per run of 2 MiB chunks
    /// written since they were last wiped whole): a wipe of memory never written makes none.
    public var pageDropCallCount: UInt64 {
        // Relaxed: a statistic read on its own; it orders no other memory.
        pageDrops.load(ordering: .relaxed)
    }

    /// The bytes of DRAM the host currently maps, counted with `mincore`: pages written and not since wiped, plus
    /// untouched pages that have been read (those map the host's shared zero page and cost no memory, so the
    /// figure is an upper bound of what the model costs).
    public func residentBytes() -> UInt64 {
        banks.reduce(0) { $0 + $1.reservation.residentBytes() }
    }

    /// The first address of `[pa, pa + byteCount)` that no DRAM region holds, or `nil` when all of it is DRAM.
    public func firstAddressWithoutMemory(_ pa: PhysicalAddress, byteCount: UInt64) -> PhysicalAddress? {
        var cursor = pa.rawValue
        var remaining = byteCount
        while remaining > 0 {
            guard let bank = bank(containing: cursor) else { return PhysicalAddress(cursor) }
            let available = bank.top - cursor
            if available >= remaining { return nil }
            cursor += available
            remaining -= available
        }
        return nil
    }

    /// Whether every byte of `[pa, pa + byteCount)` is DRAM.
    public func isMemory(_ pa: PhysicalAddress, byteCount: UInt64) -> Bool {
        firstAddressWithoutMemory(pa, byteCount: byteCount) == nil
    }

    // MARK: Raw accesses

    /// Reads `count` bytes at `pa` without the granule protection check.
    package func rawRead(_ pa: PhysicalAddress, count: Int) -> Result<[UInt8], MemoryFault> {
        guard count >= 0 else { return .failure(.invalidLength(count)) }
        if let hole = firstAddressWithoutMemory(pa, byteCount: UInt64(count)) { return .failure(.notMemory(hole)) }
        let bytes = unsafe [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            unsafe _copyOut(pa, into: UnsafeMutableRawBufferPointer(buffer))
            initialized = count
        }
        return .success(bytes)
    }

    /// Reads `buffer.count` bytes at `pa` into `buffer` without the granule protection check.
    package func rawRead(_ pa: PhysicalAddress, into buffer: UnsafeMutableRawBufferPointer) -> Result<Void, MemoryFault>
    {
        if let hole = firstAddressWithoutMemory(pa, byteCount: UInt64(buffer.count)) {
            return .failure(.notMemory(hole))
        }
        unsafe _copyOut(pa, into: buffer)
        return .success(())
    }

    /// The address of the first non-zero byte in `[pa, pa + byteCount)`, read in place without the granule
    /// protection check, or `nil` when all are zero; chunks never written are not read. A checker's scan of
    /// memory for secrets, without copying it out.
    package func firstNonZeroByte(_ pa: PhysicalAddress, byteCount: UInt64) -> Result<PhysicalAddress?, MemoryFault> {
        if let hole = firstAddressWithoutMemory(pa, byteCount: byteCount) { return .failure(.notMemory(hole)) }
        var found: PhysicalAddress?
        _forEachSegment(pa, byteCount: byteCount) { bank, offset, length, _ in
            guard found == nil, let at = bank.reservation.firstNonZeroByte(at: offset, count: length) else { return }
            found = PhysicalAddress(bank.base + UInt64(at))
        }
        return .success(found)
    }

    /// Writes `bytes` at `pa` without the granule protection check; nothing changes if any byte is not DRAM.
    package func rawWrite(_ pa: PhysicalAddress, bytes: [UInt8]) -> Result<Void, MemoryFault> {
        unsafe bytes.withUnsafeBytes { unsafe rawWrite(pa, from: $0) }
    }

    /// Writes `source` at `pa` without the granule protection check; nothing changes if any byte is not DRAM.
    package func rawWrite(_ pa: PhysicalAddress, from source: UnsafeRawBufferPointer) -> Result<Void, MemoryFault> {
        if let hole = firstAddressWithoutMemory(pa, byteCount: UInt64(source.count)) {
            return .failure(.notMemory(hole))
        }
        _forEachSegment(pa, byteCount: UInt64(source.count)) { bank, offset, length, done in
            unsafe bank.reservation.write(
                at: offset, from: UnsafeRawBufferPointer(rebasing: source[done..<(done + length)]))
        }
        return .success(())
    }

    /// Zeroes `[pa, pa + byteCount)` without the granule protection check: whole host pages are returned to the
    /// host, so wiping memory also drops what it costs, and 2 MiB chunks never written (since last wiped whole) are
    /// skipped without a system call. Nothing changes if any byte is not DRAM.
    public func rawZero(_ pa: PhysicalAddress, byteCount: UInt64) -> Result<Void, MemoryFault> {
        if let hole = firstAddressWithoutMemory(pa, byteCount: byteCount) { return .failure(.notMemory(hole)) }
        var calls = 0
        _forEachSegment(pa, byteCount: byteCount) { bank, offset, length, _ in
            calls += bank.reservation.zero(at: offset, count: length)
        }
        // Relaxed: a statistic.
        if calls > 0 { pageDrops.add(UInt64(calls), ordering: .relaxed) }
        // Relaxed: a statistic; the zeroing itself is ordered by whoever serialises the granule's owners.
        wiped.add(byteCount, ordering: .relaxed)
        return .success(())
    }

    /// Copies `byteCount` bytes from `source` to `destination` without the granule protection check, as
    /// `memmove` does (the ranges may overlap). Nothing changes if any byte of either range is not DRAM.
    public func rawCopy(
        from source: PhysicalAddress, to destination: PhysicalAddress, byteCount: UInt64
    ) -> Result<Void, MemoryFault> {
        if let hole = firstAddressWithoutMemory(source, byteCount: byteCount) { return .failure(.notMemory(hole)) }
        if let hole = firstAddressWithoutMemory(destination, byteCount: byteCount) {
            return .failure(.notMemory(hole))
        }
        guard byteCount > 0 else { return .success(()) }
        let overlaps = source < destination + byteCount && destination < source + byteCount
        if overlaps || bank(containing: source.rawValue) !== bank(containing: destination.rawValue)
            || !isInOneBank(source, byteCount) || !isInOneBank(destination, byteCount)
        {
            // Ranges that overlap or cross banks go through a bounce buffer, which is exact for every case.
            let staged = unsafe [UInt8](unsafeUninitializedCapacity: Int(byteCount)) { buffer, initialized in
                unsafe _copyOut(source, into: UnsafeMutableRawBufferPointer(buffer))
                initialized = Int(byteCount)
            }
            return rawWrite(destination, bytes: staged)
        }
        let bank = bank(containing: source.rawValue)!
        bank.reservation.copy(
            to: Int(destination.rawValue - bank.base), from: bank.reservation, at: Int(source.rawValue - bank.base),
            count: Int(byteCount))
        return .success(())
    }

    /// Reads the little-endian 64-bit word at `pa` without the granule protection check.
    public func rawRead64(_ pa: PhysicalAddress) -> Result<UInt64, MemoryFault> {
        var word: UInt64 = 0
        let result = unsafe withUnsafeMutableBytes(of: &word) { unsafe rawRead(pa, into: $0) }
        return result.map { UInt64(littleEndian: word) }
    }

    /// Writes the little-endian 64-bit word `value` at `pa` without the granule protection check.
    public func rawWrite64(_ value: UInt64, at pa: PhysicalAddress) -> Result<Void, MemoryFault> {
        unsafe withUnsafeBytes(of: value.littleEndian) { unsafe rawWrite(pa, from: $0) }
    }

    /// A pointer to `[pa, pa + byteCount)` without the granule protection check, stable while the memory lives, for
    /// a client that keeps data there (the RMM's donated tracking metadata); `nil` unless it is all in one DRAM bank.
    /// The range counts as written from now on, so wipes of it always zero it.
    package func rawPointer(_ pa: PhysicalAddress, byteCount: UInt64) -> UnsafeMutableRawPointer? {
        guard byteCount > 0, byteCount <= UInt64(Int.max), isInOneBank(pa, byteCount),
            let bank = bank(containing: pa.rawValue)
        else { return nil }
        return unsafe bank.reservation.writablePointer(at: Int(pa.rawValue - bank.base), count: Int(byteCount))
    }

    // MARK: Internals

    private func bank(containing address: UInt64) -> _Bank? {
        banks.first { address >= $0.base && address < $0.top }
    }

    private func isInOneBank(_ pa: PhysicalAddress, _ byteCount: UInt64) -> Bool {
        guard let bank = bank(containing: pa.rawValue) else { return false }
        return bank.top - pa.rawValue >= byteCount
    }

    /// Copies out of memory the caller has checked is all DRAM.
    private func _copyOut(_ pa: PhysicalAddress, into buffer: UnsafeMutableRawBufferPointer) {
        _forEachSegment(pa, byteCount: UInt64(buffer.count)) { bank, offset, length, done in
            unsafe bank.reservation.read(
                at: offset, into: UnsafeMutableRawBufferPointer(rebasing: buffer[done..<(done + length)]))
        }
    }

    /// Calls `body` with each bank-contained piece of `[pa, pa + byteCount)`, which the caller has checked is all
    /// DRAM: the bank, the offset into it, the piece's length, and the bytes already visited.
    private func _forEachSegment(
        _ pa: PhysicalAddress, byteCount: UInt64, _ body: (_Bank, Int, Int, Int) -> Void
    ) {
        var cursor = pa.rawValue
        var remaining = byteCount
        var done = 0
        while remaining > 0 {
            let bank = bank(containing: cursor)!
            let length = Swift.min(remaining, bank.top - cursor)
            body(bank, Int(cursor - bank.base), Int(length), done)
            cursor += length
            remaining -= length
            done += Int(length)
        }
    }
}

/// One DRAM region and its reservation.
private final class _Bank: Sendable {
    let region: MemoryRegion
    let reservation: _UnsafeReservation
    let base: UInt64
    let top: UInt64

    init(region: MemoryRegion, reservation: _UnsafeReservation) {
        self.region = region
        self.reservation = reservation
        self.base = region.base.rawValue
        self.top = region.base.rawValue + region.size
    }
}
