// FirmwareSync: the shared-memory steps of the firmware-grade targets (RMM, EL3), each passing one scheduling
// point that a deterministic interleaving checker can take over. Embedded-clean; the point compiles to nothing
// in Embedded builds and to one load and branch elsewhere when nobody observes.
