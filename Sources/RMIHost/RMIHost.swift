// RMIHost: the host-side RMI library.
//
// Bring-up and the delegation helpers, written to answer every question the review of the Linux helpers raised:
// empty ranges, wrap-around, contract-breaking answers, bounded retries, stateful operations, and leaks.
