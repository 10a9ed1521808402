import CCAArch

extension SROFailure: CustomStringConvertible {
    /// One line saying how the operation ended, for bring-up messages and the serve protocol.
    public var description: String {
        switch self {
        case .continuationLimit(let handle):
            "the RMM still answered RMI_INCOMPLETE when the continuation budget ran out (operation \(hex(handle)) "
                + "left unfinished)"
        case .cancelled(let reason, let answer):
            "the host could not serve a step (\(reason)), so it cancelled the operation, which ended with "
                + "\(RMIResult(rawValue: answer.x0).status.name)"
        case .hostFailure(let reason, let handle):
            "the host could not serve a step (\(reason)) and could not cancel (operation \(hex(handle)) left "
                + "unfinished)"
        }
    }
}

extension SROHostFailure: CustomStringConvertible {
    /// What the host could not do, in a few words.
    public var description: String {
        switch self {
        case .unexpectedMemoryRequest(let request):
            "the command may not transfer memory, yet the RMM asked for a \(request == .donate ? "donation" : "reclaim")"
        case .malformedResult(let x0):
            "RMI_INCOMPLETE carried the reserved memory request 3 (X0 \(hex(x0)))"
        case .malformedDonationRequest(let x2):
            "the donation request \(hex(x2)) has reserved bits set or asks for nothing"
        case .unsupportedDonationRequest(let request):
            "the host does not serve the donation request \(hex(request.encoding))"
        case .outOfMemory(let bytes):
            "the page allocator had no \(bytes >> 10) KiB to give"
        case .delegationFailed(let address, let status):
            "delegating the memory to donate failed at \(hex(address.rawValue))"
                + (status.map { " with \($0.name)" } ?? "")
        case .memoryFault(let error):
            "an address list access faulted at \(hex(error.address.rawValue))"
        case .donationRefused(let status):
            "RMI_OP_MEM_DONATE refused the list with \(status.name)"
        case .malformedReclaimEntry(let entry):
            "the reclaim list entry \(hex(entry)) does not decode"
        }
    }
}
