// GranuleProtection: EL3's side of Arm CCA memory delegation.
//
// The Granule Protection Table in the architecture's own format (GPCCR_EL3, L0 and L1 descriptors), the granule
// protection check that every access passes through, and the GPI transitions EL3 performs for the RMM. Builds
// as Embedded Swift.
