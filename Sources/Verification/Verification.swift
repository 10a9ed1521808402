// Verification: machine-checked answers to the review's questions.
//
// An adversarial RMM that gives host code every answer the specification allows (and, when asked, answers it
// forbids), an explorer that runs host helpers against every schedule up to a bound and proves they terminate
// with exact progress and complete leak accounting, and reference host loops to compare against.
