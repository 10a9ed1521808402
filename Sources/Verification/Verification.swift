// Verification: machine-checked answers to the review's questions.
//
// An adversarial RMM that gives host code every answer the specification allows (and, when asked, answers it
// forbids), an explorer that runs host helpers against every schedule up to a bound and proves they terminate
// with exact progress and complete leak accounting, and reference host loops to compare against.
//
// Entry point: `Explorer.run(helper:bounds:mode:progress:)` returns an `ExplorationReport` (counts, time, and the
// shortest violating schedule of each kind and cause); `isClean` is the exit status a CLI wants.
//
// Layout:
// - GranuleModel.swift: the granule states, the layout of the modelled memory, pending stateful operations.
// - AdversarialRMM.swift: the `SMCConduit` that lists every allowed answer at each SMC, and the stationary tail;
//   AdversarialRMM+Effects.swift: what each answer does to the model. AdversaryAnswer.swift: answers and steps.
// - Scheduler.swift: `ExhaustiveScheduler` (depth-first, every sequence once), `RandomScheduler` (SplitMix64).
// - Explorer.swift: the search, iterative deepening, memoisation and its soundness argument; Explorer+Checks.swift:
//   the per-run checks (a) to (d). ExplorationTypes.swift: helpers, bounds (and the SMC bound formula), reports.
// - Memo/: the memo table of fingerprints (NodeMemo, Fingerprint), the key of a choice point
//   (AdversarialRMM+Fingerprint, RecentCalls) and `MemoAudit`, which checks the key on small bounds.
// - LinuxV14Host.swift: the v14 patch's loop, for comparison.
