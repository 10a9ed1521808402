// CCAArch: the architectural values of Arm CCA memory delegation.
//
// Function IDs, status codes and result words of the RMI (DEN0137, RMM 2.0), the RMM-EL3 interface, the GPT's
// registers and descriptors (Arm ARM, FEAT_RME), and the stateful-operation words. Values only: encode, decode
// and validate. Nothing here has state or behaviour beyond that, and everything builds as Embedded Swift.
