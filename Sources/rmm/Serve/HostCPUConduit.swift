import CCAArch
import CCAPlatform
import RMIHost

/// The SMC path of one host CPU of a machine, for `HostRMI.using(_:)`.
///
/// Equivalent to CCAPlatform's `MachineConduit`, whose memberwise initializer is internal to that module.
struct HostCPUConduit: SMCConduit {
    let machine: Machine
    /// A CPU index the caller has checked against the machine's CPU count: `Machine.smc(_:cpu:)` traps otherwise.
    let cpu: Int

    func smc(_ arguments: SMCArguments) -> SMCReturn { machine.smc(arguments, cpu: cpu) }
}
