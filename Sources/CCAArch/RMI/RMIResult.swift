/// A memory request in an RMI_INCOMPLETE result (RmiOpMemReq): what the host must do next.
@frozen
public enum OpMemRequest: UInt8, CaseIterable, Hashable, Sendable {
    /// Nothing: call RMI_OP_CONTINUE. The spec's RMI_OP_MEM_REQ_NONE (0).
    case none = 0
    /// Donate memory with RMI_OP_MEM_DONATE. The spec's RMI_OP_MEM_REQ_DONATE (1).
    case donate = 1
    /// Take memory back with RMI_OP_MEM_RECLAIM. The spec's RMI_OP_MEM_REQ_RECLAIM (2).
    case reclaim = 2
}

/// Why a 64-bit word is not a valid RmiResult.
@frozen
public enum RMIResultDecodingError: Error, Hashable, Sendable {
    /// Bits 7:0 hold a status the spec does not define.
    case unknownStatus(UInt8)
    /// The data field has bits set that the status' data layout reserves.
    case reservedBitsSet(UInt64)
    /// RMI_INCOMPLETE with the reserved memory request 3.
    case reservedMemoryRequest
}

/// The RmiResult in X0 (DEN0137 B4.6.73): status in bits 7:0, a status-dependent data field in bits 63:8.
///
/// - RMI_INCOMPLETE: bits 9:8 the memory request, bit 10 can-cancel, 63:11 zero.
/// - RMI_ERROR_RTT, _RTT_AUX, _PSMMU_ST, _DPT: bits 15:8 the level at which a walk stopped.
/// - RMI_ERROR_TRACKING (2.0-bet3 data form, UNCERTAIN in the reference): level in 15:8, the failing PA shifted
///   right by the granule shift in 55:16. Hosts must rely only on the status.
/// - anything else: data zero.
@frozen
public struct RMIResult: RawRepresentable, Hashable, Sendable {
    public var rawValue: UInt64

    @inlinable
    public init(rawValue: UInt64) { self.rawValue = rawValue }

    /// A result with no data.
    @inlinable
    public init(_ status: RMIStatus) { self.rawValue = UInt64(status.rawValue) }

    /// RMI_INCOMPLETE with a memory request and the can-cancel bit.
    @inlinable
    public static func incomplete(_ request: OpMemRequest, canCancel: Bool) -> RMIResult {
        var raw = UInt64(RMIStatus.incomplete.rawValue)
        raw[bits: 8..<10] = UInt64(request.rawValue)
        raw[bit: 10] = canCancel
        return RMIResult(rawValue: raw)
    }

    /// A walk error carrying the level at which the walk stopped (RmiResultDataLevel).
    @inlinable
    public static func level(_ status: RMIStatus, _ level: Int8) -> RMIResult {
        precondition(status.carriesLevel, "status does not carry a level")
        var raw = UInt64(status.rawValue)
        raw[bits: 8..<16] = UInt64(UInt8(bitPattern: level))
        return RMIResult(rawValue: raw)
    }

    /// RMI_ERROR_TRACKING with the bet3 level-and-address data form: level 0, `(pa >> granuleShift)` in 55:16.
    @inlinable
    public static func tracking(at pa: PhysicalAddress, granuleSize: GranuleSize) -> RMIResult {
        var raw = UInt64(RMIStatus.errorTracking.rawValue)
        raw[bits: 16..<56] = (pa.rawValue >> UInt64(granuleSize.shift)) & UInt64.mask(bits: 0..<40)
        return RMIResult(rawValue: raw)
    }

    /// The status, bits 7:0.
    @inlinable
    public var status: RMIStatus { RMIStatus(rawValue: UInt8(truncatingIfNeeded: rawValue)) }

    /// For RMI_INCOMPLETE: the memory request (bits 9:8); `nil` for other statuses or the reserved value 3.
    @inlinable
    public var memoryRequest: OpMemRequest? {
        guard status == .incomplete else { return nil }
        return OpMemRequest(rawValue: UInt8(rawValue[bits: 8..<10]))
    }

    /// For RMI_INCOMPLETE: whether RMI_OP_CANCEL is allowed now (bit 10).
    @inlinable
    public var canCancel: Bool { status == .incomplete && rawValue[bit: 10] }

    /// For walk errors: the level (bits 15:8, signed); otherwise `nil`.
    @inlinable
    public var level: Int8? {
        guard status.carriesLevel || status == .errorTracking else { return nil }
        return Int8(bitPattern: UInt8(rawValue[bits: 8..<16]))
    }

    /// For RMI_ERROR_TRACKING: the failing address, from the bet3 data form.
    @inlinable
    public func trackingAddress(granuleSize: GranuleSize) -> PhysicalAddress? {
        guard status == .errorTracking else { return nil }
        return PhysicalAddress(rawValue[bits: 16..<56] << UInt64(granuleSize.shift))
    }

    /// Checks the word against the spec's layouts: a defined status and no reserved data bits.
    @inlinable
    public func validated() throws(RMIResultDecodingError) -> RMIResult {
        let status = self.status
        guard status.isDefined else { throw .unknownStatus(status.rawValue) }
        let data = rawValue >> 8
        let allowed: UInt64
        switch status {
        case .incomplete:
            guard rawValue[bits: 8..<10] != 3 else { throw .reservedMemoryRequest }
            allowed = 0b111
        case .errorTracking: allowed = 0xFF | (UInt64.mask(bits: 0..<40) << 8)
        case _ where status.carriesLevel: allowed = 0xFF
        default: allowed = 0
        }
        guard data & ~allowed == 0 else { throw .reservedBitsSet(rawValue) }
        return self
    }
}
