// MachineHost: the host library (RMIHost) bound to a simulated machine (CCAPlatform).
public import CCAArch
public import CCAPlatform
public import RMIHost

/// A host CPU's SMC conduit into a machine.
public struct MachineConduit: SMCConduit {
    public let machine: Machine
    public let cpu: Int

    /// The conduit of CPU `cpu`, which must be below the machine's CPU count (the machine's router checks it on
    /// every SMC).
    public init(machine: Machine, cpu: Int) {
        self.machine = machine
        self.cpu = cpu
    }

    public func smc(_ arguments: SMCArguments) -> SMCReturn { machine.smc(arguments, cpu: cpu) }
}

/// The host's view of memory: Non-secure accesses, through the granule protection check.
public struct MachineHostMemory: HostMemory {
    public let machine: Machine

    public init(machine: Machine) { self.machine = machine }

    public func write(_ bytes: [UInt8], at address: PhysicalAddress) throws(HostMemoryError) {
        guard case .success = machine.memory.write(.nonSecure, pa: address, bytes: bytes) else {
            throw HostMemoryError(address: address)
        }
    }

    public func read(_ count: Int, at address: PhysicalAddress) throws(HostMemoryError) -> [UInt8] {
        switch machine.memory.read(.nonSecure, pa: address, count: count) {
        case .success(let bytes): return bytes
        case .failure: throw HostMemoryError(address: address)
        }
    }
}

extension Machine {
    /// The host's configuration of this machine: its granule size, its conventional DRAM, and the tracking region
    /// size the platform options chose for bring-up.
    public func hostConfiguration(retryPolicy: RetryPolicy = RetryPolicy()) -> HostConfiguration {
        HostConfiguration(
            granuleSize: configuration.granuleSize,
            dramRegions: configuration.dramRegions.filter { $0.category == .conventional }.map {
                GranuleRange(uncheckedBase: $0.base, top: $0.base + $0.size, granuleSize: configuration.granuleSize)
            },
            retryPolicy: retryPolicy, trackingRegionSizeEncoding: configuration.trackingRegionSizeEncoding,
            suppliesTrackingMetadata: configuration.trackingMetadata == .donated)
    }

    /// A host library bound to CPU `cpu` of this machine (use `using(_:)` for the other CPUs).
    public func host(cpu: Int = 0, retryPolicy: RetryPolicy = RetryPolicy()) -> HostRMI {
        HostRMI(
            conduit: MachineConduit(machine: self, cpu: cpu), memory: MachineHostMemory(machine: self),
            configuration: hostConfiguration(retryPolicy: retryPolicy))
    }
}
