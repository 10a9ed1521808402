// RMIHost: the host-side RMI library.
//
// Bring-up and the delegation helpers, written to answer every question the review of the Linux helpers raised:
// empty ranges, wrap-around, contract-breaking answers, bounded retries, stateful operations, and leaks.
//
// The review's three questions, and this library's answers (granule-delegation.md section 8):
// - Is size 0 an error? No: after the alignment and wrap-around checks, an empty range succeeds without an SMC,
//   like free(NULL). Nothing is ever "warned and fed to the RMM anyway".
// - Can the retry loop spin forever? No: every SUCCESS must advance (base < out_top <= top, aligned) or the call
//   ends `noProgress`; BUSY and BLOCKED are retried within per-step budgets (`RetryPolicy`); RMI_INCOMPLETE is
//   driven within a continuation budget. So a range call issues at most
//   (granules in the range) x (attempt budget) x (1 + continuation budget) SMCs, plus those of donations.
// - What leaks when a range fails half way? Nothing silently: the outcome carries `top`, the end of the prefix
//   that moved; `HostRMI.rollback(_:)` undelegates exactly that prefix; whatever fails to undelegate is recorded
//   in the `LeakLedger` and the `HostPageAllocator` never hands it out again.
//
// Layout:
// - Conduit/: `SMCConduit` (the one choke point for SMCs), `HostMemory` (the host's Non-secure accesses),
//   `RetryPolicy`.
// - HostRMI.swift: the host object and the retrying `issue` step; HostRMI+Ranges.swift: `delegate`,
//   `undelegate`, `rollback`; HostRMI+StatefulOperations.swift: `execute`, the generic SRO driver;
//   BringUp/: `initialize()` and `HostInitError`.
// - Memory/: `HostPageAllocator`, `LeakLedger`. Outcomes/: `RangeOutcome`, `RangeFailure`, `SROOutcome`.
//
// Failure channels, as the house style asks: outcomes the RMI defines are values (`RangeOutcome`, `SROOutcome`);
// bring-up failures and host memory faults are typed throws (`HostInitError`, `HostMemoryError`); programmer
// errors (a zero retry budget, overlapping allocator regions, rolling back an undelegation) trap.
