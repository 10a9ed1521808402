// CCAPlatform: the simulated machine.
//
// Sparse physical memory reached through the granule protection check, CPUs on real threads, SMC routing
// between the worlds, tracing, deterministic fault injection and counters of architectural events.
