import CCAArch

/// The RMM as a client of EL3: what it makes of an EL3 FIRME_GM_GPI_SET answer (gpt.md section 4.2, as newest TF-RMM classifies it).
enum EL3GPISetOutcome: Equatable {
    /// SUCCESS: `processed` (>= 1) granules from the base changed GPI; re-issue for the rest.
    case done(processed: UInt64)
    /// BUSY: no progress, nothing retained.
    case busy
    /// OP_CONFLICT: another operation touches the range; `processed` granules changed before it.
    case conflict(processed: UInt64)
    /// DENIED, INVALID_PARAMETERS, NOT_FOUND or anything else: permanent; `processed` granules changed before it.
    case refused(processed: UInt64)
}

extension RealmManagementMonitor {
    /// Sets the GPI of `count` granules from `base` through EL3 with FIRME_GM_GPI_SET (X1 base, X2 count, X3 the
    /// target GPI in bits 3:0; W0 a signed 32-bit status, X1 the granules processed): the RMM's only way to
    /// change the GPT.
    func el3SetGPI(base: PhysicalAddress, count: UInt64, to gpi: GPI, cpu: Int) -> EL3GPISetOutcome {
        let answer = port.el3Call(
            SMCArguments(EL3FunctionID.gpiSet.rawValue, base.rawValue, count, UInt64(gpi.rawValue)), cpu: cpu)
        let status = FIRMEStatus(rawValue: Int32(truncatingIfNeeded: answer.x0))
        // The count is meaningful for SUCCESS, DENIED, INCOMPLETE, OP_CONFLICT and NOT_FOUND; clamp it so a
        // firmware that overstates it cannot make the RMM mark granules it did not ask about.
        let processed = Swift.min(answer.x1, count)
        switch status {
        case .success: return processed == 0 ? .refused(processed: 0) : .done(processed: processed)
        case .busy: return .busy
        case .opConflict: return .conflict(processed: processed)
        case .denied, .noEntry: return .refused(processed: processed)
        default: return .refused(processed: 0)
        }
    }
}
