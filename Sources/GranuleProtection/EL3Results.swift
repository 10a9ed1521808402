public import CCAArch

/// What one SMC to EL3 returned, and the GPT maintenance it cost.
@frozen
public struct EL3Response: Hashable, Sendable {
    /// X0..X4 as the caller sees them.
    public var registers: SMCReturn
    /// The maintenance EL3 performed for the call.
    public var maintenance: GPTMaintenance

    @inlinable
    public init(registers: SMCReturn, maintenance: GPTMaintenance) {
        self.registers = registers
        self.maintenance = maintenance
    }
}

/// The outcome of an RMM_GTSI_DELEGATE or RMM_GTSI_UNDELEGATE call.
@frozen
public struct EL3GTSIResult: Hashable, Sendable {
    /// The X0 status.
    public var status: GTSIStatus
    /// The GPT transition behind it; `nil` when the call was refused before touching the GPT.
    public var transition: GPTTransitionResult?

    @inlinable
    public init(status: GTSIStatus, transition: GPTTransitionResult?) {
        self.status = status
        self.transition = transition
    }

    /// The maintenance performed.
    @inlinable
    public var maintenance: GPTMaintenance { transition?.maintenance ?? .none }
}

/// The outcome of a FIRME_GM_GPI_SET call.
@frozen
public struct EL3GPISetResult: Hashable, Sendable {
    /// The W0 status.
    public var status: FIRMEStatus
    /// X1: granules from the base whose GPI changed.
    public var processed: UInt64
    /// The GPT transition behind it; `nil` when the call was refused before touching the GPT.
    public var transition: GPTTransitionResult?

    @inlinable
    public init(status: FIRMEStatus, processed: UInt64, transition: GPTTransitionResult?) {
        self.status = status
        self.processed = processed
        self.transition = transition
    }

    /// The maintenance performed.
    @inlinable
    public var maintenance: GPTMaintenance { transition?.maintenance ?? .none }
}
