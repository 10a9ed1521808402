/// One question the specification (bet3) leaves to the implementation, and the model's answer.
public struct ModelChoice: Hashable, Sendable {
    /// A short name, e.g. `per-call limit`.
    public let name: String
    /// What the specification allows.
    public let allowed: String
    /// What the model does by default.
    public let answer: String
    /// The platform option that picks another implementation's answer, or `nil` where the model has one answer.
    public let option: String?
}

extension ModelChoice {
    /// Every choice the model makes where bet3 allows several: the one list `rmm abi --choices` prints and
    /// docs/spec-reading.md ("The model's choices") repeats.
    public static let all: [ModelChoice] = [
        ModelChoice(
            name: "per-call limit",
            allowed: "a range command may stop anywhere past base with SUCCESS and a partial out_top",
            answer: "at most 262144 granules per SMC, never past a tracking region boundary, a populated run's end "
                + "or the first granule that cannot move",
            option: "--budget N"),
        ModelChoice(
            name: "granule already in the destination state",
            allowed: "skipped as progress (bet3) or a state failure (bet2)",
            answer: "skipped as progress", option: "--strict-range-state"),
        ModelChoice(
            name: "INCOMPLETE instead of SUCCESS",
            allowed: "a range command may hand its run to a stateful operation (RMI_INCOMPLETE) or stop early",
            answer: "RMI_INCOMPLETE only when an interrupt is pending as the run starts (and a resumed undelegation "
                + "yields again between 2 MiB scrub chunks), or while EL3 has moved a COARSE unit only in part; "
                + "otherwise SUCCESS with the progress made",
            option: nil),
        ModelChoice(
            name: "EL3 granules per GPI change",
            allowed: "FIRME GPI_SET may move fewer granules than asked, or answer BUSY (bet3 section 5)",
            answer: "EL3 moves every granule asked; BUSY only when another CPU holds a GPT lock. With a limit a FINE "
                + "run answers SUCCESS with what moved, a COARSE unit moves one EL3 call per SMC through "
                + "RMI_INCOMPLETE and RMI_OP_CONTINUE",
            option: "--el3-max-granules N"),
        ModelChoice(
            name: "RMI_OP_CANCEL of a COARSE unit in pieces",
            allowed: "the spec lists only the can_cancel condition; TF-RMM makes range operations not cancellable",
            answer: "not cancellable: RMI_OP_CANCEL answers RMI_ERROR_INPUT, the unit stays PARTIAL and the "
                + "operation pending until RMI_OP_CONTINUE finishes it (or rolls back a refused delegation)",
            option: nil),
        ModelChoice(
            name: "held granule lock in a range command",
            allowed: "RMI_BUSY, or wait for the lock",
            answer: "never waits: RMI_BUSY with no progress, else SUCCESS up to the held granule (spin: waits for "
                + "the first granule of its run while it holds no lock; past it still SUCCESS up to the held granule)",
            option: "--lock-contention spin"),
        ModelChoice(
            name: "operation context pool",
            allowed: "any number of stateful operation contexts; RMI_BLOCKED or RMI_BUSY when none is free",
            answer: "4 per CPU; RMI_BLOCKED when all wait for the host, RMI_BUSY when some run",
            option: "--sro-contexts N"),
        ModelChoice(
            name: "tracking region size",
            allowed: "1 GiB or 2 MiB for 4 KiB granules (the host chooses in RMI_RMM_CONFIG_SET)",
            answer: "the host library writes 1 GiB (encoding 0, as Linux does)",
            option: "--tracking-region SIZE"),
        ModelChoice(
            name: "tracking metadata",
            allowed: "preallocated by the platform, or donated by the host through TRACKING_SET",
            answer: "preallocated: every region with memory is FINE at activation (donated: regions wholly inside "
                + "one bank start COARSE, others NONE; TRACKING_SET to FINE asks for one contiguous, naturally "
                + "aligned run of DELEGATED DRAM granules, 4 bytes per granule of the region)",
            option: "--tracking-metadata donated"),
        ModelChoice(
            name: "GPT L1 tables",
            allowed: "made by the platform at boot, or created by the host with RMI_GPT_L1_CREATE",
            answer: "made by the platform", option: "--host-l1-tables"),
        ModelChoice(
            name: "commands during a deactivation",
            allowed: "bet3 says only that DEACTIVATE answers RMI_BUSY while another command runs",
            answer: "every command counts as running; one arriving while a DEACTIVATE decides waits for the decision",
            option: nil),
        ModelChoice(
            name: "RMI_RMM_STATE_GET values",
            allowed: "not given by any source",
            answer: "0 in INIT (and while an activation is in flight), 1 in ACTIVE", option: nil),
    ]

    /// The choices as `rmm abi --choices` prints them: a paragraph each.
    public static func render() -> String {
        var out = "The model's choices where RMM v2.0 (bet3) allows several\n"
        for choice in all {
            out += "\n  \(choice.name)\n"
            out += "    allowed: \(choice.allowed)\n"
            out += "    model:   \(choice.answer)\n"
            out += "    option:  \(choice.option ?? "none (the model has one answer)")\n"
        }
        return out
    }
}
