public import CCAArch

/// Physical memory as a security state sees it: every access passes the granule protection check first.
///
/// This is the memory-access choke point. Each access checks every granule it touches, in ascending order,
/// before it touches a byte; the first failing granule ends it with `MemoryFault.protection` (the fault's PA is
/// the first failing address: the access's start, or the base of a later granule) and no byte changes. An
/// access that passes the check but reaches a hole or a device region fails with `MemoryFault.notMemory` and
/// changes nothing either. Failed checks are counted (`ArchitecturalCounters.recordGPCFault`) and every access
/// is traced when the tracer is enabled.
///
/// Zeroing here is not counted as scrubbing: the caller (the RMM's undelegation path) knows why it zeroes and
/// records `ArchitecturalCounters.recordScrubbedBytes` itself.
public final class ProtectedMemory: Sendable {
    /// The bytes behind the check.
    public let memory: PhysicalMemory
    /// The granule protection check (the platform's GPT).
    public let checker: any GranuleProtectionChecking
    public let counters: ArchitecturalCounters
    public let tracer: Tracer

    public init(
        memory: PhysicalMemory, checker: any GranuleProtectionChecking,
        counters: ArchitecturalCounters = ArchitecturalCounters(), tracer: Tracer = Tracer()
    ) {
        self.memory = memory
        self.checker = checker
        self.counters = counters
        self.tracer = tracer
    }

    private var granuleBytes: UInt64 { memory.configuration.granuleSize.bytes }

    /// Checks an access of `byteCount` bytes at `pa` from `state` without making it.
    ///
    /// Granules are checked in ascending order, and within a granule the protection check comes first, as on
    /// hardware: the answer is the first protection fault, or the first address that is not memory, whichever
    /// comes first; `nil` where the whole access may go ahead. The walk stops at the first address that is not
    /// memory, so an absurd byte count costs no more than the DRAM it covers.
    public func check(_ state: SecurityState, pa: PhysicalAddress, byteCount: UInt64) -> MemoryFault? {
        guard byteCount > 0 else { return nil }
        // No DRAM region reaches 2^64 (validation bounds them by the PA size), so an access that would wrap always
        // meets a hole first and `last` below never wraps.
        let hole = memory.firstAddressWithoutMemory(pa, byteCount: byteCount)
        let last = hole?.rawValue ?? (pa.rawValue + (byteCount - 1))
        if let fault = checker.firstFault(from: pa, through: last, granuleBytes: granuleBytes, accessedBy: state) {
            counters.recordGPCFault()
            return .protection(fault)
        }
        return hole.map(MemoryFault.notMemory)
    }

    /// Reads `count` bytes at `pa` as `state`.
    public func read(_ state: SecurityState, pa: PhysicalAddress, count: Int) -> Result<[UInt8], MemoryFault> {
        guard count >= 0 else { return .failure(.invalidLength(count)) }
        return traced(.read, state: state, pa: pa, byteCount: UInt64(count)) {
            if let fault = check(state, pa: pa, byteCount: UInt64(count)) { return .failure(fault) }
            return memory.rawRead(pa, count: count)
        }
    }

    /// Reads `buffer.count` bytes at `pa` as `state` into `buffer`.
    public func read(
        _ state: SecurityState, pa: PhysicalAddress, into buffer: UnsafeMutableRawBufferPointer
    ) -> Result<Void, MemoryFault> {
        traced(.read, state: state, pa: pa, byteCount: UInt64(buffer.count)) {
            if let fault = check(state, pa: pa, byteCount: UInt64(buffer.count)) { return .failure(fault) }
            return unsafe memory.rawRead(pa, into: buffer)
        }
    }

    /// Writes `bytes` at `pa` as `state`; a fault changes no byte.
    public func write(_ state: SecurityState, pa: PhysicalAddress, bytes: [UInt8]) -> Result<Void, MemoryFault> {
        unsafe bytes.withUnsafeBytes { unsafe write(state, pa: pa, from: $0) }
    }

    /// Writes `source` at `pa` as `state`; a fault changes no byte.
    public func write(
        _ state: SecurityState, pa: PhysicalAddress, from source: UnsafeRawBufferPointer
    ) -> Result<Void, MemoryFault> {
        traced(.write, state: state, pa: pa, byteCount: UInt64(source.count)) {
            if let fault = check(state, pa: pa, byteCount: UInt64(source.count)) { return .failure(fault) }
            return unsafe memory.rawWrite(pa, from: source)
        }
    }

    /// Zeroes `[pa, pa + byteCount)` as `state`; a fault changes no byte.
    public func zero(_ state: SecurityState, pa: PhysicalAddress, byteCount: UInt64) -> Result<Void, MemoryFault> {
        traced(.zero, state: state, pa: pa, byteCount: byteCount) {
            if let fault = check(state, pa: pa, byteCount: byteCount) { return .failure(fault) }
            return memory.rawZero(pa, byteCount: byteCount)
        }
    }

    /// Copies `byteCount` bytes from `source`, read as `sourceState`, to `destination`, written as
    /// `destinationState`. Both ranges are checked (source first) before any byte moves; a fault changes no byte.
    public func copy(
        from source: PhysicalAddress, as sourceState: SecurityState, to destination: PhysicalAddress,
        as destinationState: SecurityState, byteCount: UInt64
    ) -> Result<Void, MemoryFault> {
        traced(
            .copy, state: destinationState, pa: destination, byteCount: byteCount,
            source: (source, sourceState)
        ) {
            if let fault = check(sourceState, pa: source, byteCount: byteCount) { return .failure(fault) }
            if let fault = check(destinationState, pa: destination, byteCount: byteCount) { return .failure(fault) }
            return memory.rawCopy(from: source, to: destination, byteCount: byteCount)
        }
    }

    /// Copies `byteCount` bytes from `source` to `destination`, both accessed as `state`.
    public func copy(
        _ state: SecurityState, from source: PhysicalAddress, to destination: PhysicalAddress, byteCount: UInt64
    ) -> Result<Void, MemoryFault> {
        copy(from: source, as: state, to: destination, as: state, byteCount: byteCount)
    }

    /// Reads the little-endian 64-bit word at `pa` as `state`.
    public func read64(_ state: SecurityState, pa: PhysicalAddress) -> Result<UInt64, MemoryFault> {
        var word: UInt64 = 0
        let result = unsafe withUnsafeMutableBytes(of: &word) { unsafe read(state, pa: pa, into: $0) }
        return result.map { UInt64(littleEndian: word) }
    }

    /// Writes the little-endian 64-bit word `value` at `pa` as `state`.
    public func write64(_ state: SecurityState, pa: PhysicalAddress, value: UInt64) -> Result<Void, MemoryFault> {
        unsafe withUnsafeBytes(of: value.littleEndian) { unsafe write(state, pa: pa, from: $0) }
    }

    /// Runs `body` and traces it as a memory access when the tracer is enabled.
    private func traced<T>(
        _ operation: MemoryAccessOperation, state: SecurityState, pa: PhysicalAddress, byteCount: UInt64,
        source: (PhysicalAddress, SecurityState)? = nil, _ body: () -> Result<T, MemoryFault>
    ) -> Result<T, MemoryFault> {
        guard tracer.isEnabled else { return body() }
        let start = tracer.now()
        let result = body()
        let end = tracer.now()
        let outcome: SMCReturn
        switch result {
        case .success: outcome = SMCReturn(0)
        case .failure(.protection(let fault)): outcome = SMCReturn(1, fault.pa.rawValue, UInt64(fault.gpcsc))
        case .failure(.notMemory(let hole)): outcome = SMCReturn(2, hole.rawValue)
        case .failure(.invalidLength): outcome = SMCReturn(3)
        }
        tracer.record(
            TraceEvent(
                cpu: nil, kind: .memoryAccess, functionID: operation.rawValue,
                arguments: SMCArguments(
                    operation.rawValue, pa.rawValue, byteCount, UInt64(state.rawValue), source?.0.rawValue ?? 0,
                    UInt64(source?.1.rawValue ?? 0)),
                result: outcome, startNanoseconds: start, durationNanoseconds: end &- start))
        return result
    }
}
