import CCAArch
import CCAPlatform

/// `srmm_smc`: an SMC from host CPU `cpu`; `xIn` holds X0..X6, `xOut` receives X0..X4.
@_cdecl("srmm_smc")
public func srmm_smc(
    _ platform: OpaquePointer?, _ cpu: Int32, _ xIn: UnsafePointer<UInt64>?, _ xOut: UnsafeMutablePointer<UInt64>?
) -> Int32 {
    guard let xIn = unsafe xIn, let xOut = unsafe xOut else { return ReturnCode.nullPointer.rawValue }
    let code = unsafe PlatformHandle.withMachine(platform) { machine in
        // Machine.smc traps on a CPU out of range (a programmer error in Swift); from C it is an argument error.
        guard cpu >= 0, Int(cpu) < machine.configuration.cpuCount else { return ReturnCode.invalidCPU }
        let answer = unsafe machine.smc(
            SMCArguments(xIn[0], xIn[1], xIn[2], xIn[3], xIn[4], xIn[5], xIn[6]), cpu: Int(cpu))
        for index in 0..<SMCReturn.count { unsafe xOut[index] = answer[index] }
        return ReturnCode.ok
    }
    return (code ?? .nullPointer).rawValue
}
