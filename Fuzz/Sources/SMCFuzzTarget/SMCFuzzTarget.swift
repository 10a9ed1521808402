import Verification

/// libFuzzer's entry point: the input is a `FuzzProgram` (any bytes decode), run on a fresh small machine with
/// `SMCOracle` after every step. A violation, or a machine that cannot be made, traps with the finding: libFuzzer
/// saves the input as a crash file, which `rmm check fuzz --input FILE --verbose` replays without the sanitizers.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = unsafe size > 0 && data != nil ? Array(UnsafeBufferPointer(start: data, count: size)) : []
    let outcome: FuzzProgram.Outcome
    do {
        outcome = try FuzzProgram(decoding: bytes).run()
    } catch {
        fatalError("SMC fuzz target: the machine could not be made: \(error)")
    }
    if let violation = outcome.violation { fatalError("SMC oracle violation at \(violation)") }
    return 0
}
