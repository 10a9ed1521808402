// RMM: the Realm Management Monitor.
//
// Register-level RMI dispatch, bring-up, granule tracking, range delegation, stateful operations and the realm
// objects that keep granules in use. Builds as Embedded Swift and allocates nothing on the SMC path.
