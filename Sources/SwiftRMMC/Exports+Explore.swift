import Verification

/// `srmm_explore_options`: what `rmm check host --c-library` takes. 72 bytes.
@unsafe
struct _CExploreOptions {
    var structSize: UInt64
    var library: UnsafePointer<CChar>?
    var symbol: UnsafePointer<CChar>?
    var shape: UInt32
    var operation: UInt32
    var granules: UInt32
    var depth: UInt32
    var busyRetries: UInt32
    var blockedRetries: UInt32
    var continuations: UInt32
    var forbidden: UInt32
    var random: UInt64
    var seed: UInt64

    /// The CLI's defaults.
    static var defaults: _CExploreOptions {
        unsafe _CExploreOptions(
            structSize: UInt64(MemoryLayout<_CExploreOptions>.size), library: nil, symbol: nil, shape: 0,
            operation: 0, granules: 4, depth: 6, busyRetries: 2, blockedRetries: 1, continuations: 4, forbidden: 0,
            random: 0, seed: 1)
    }
}

/// `srmm_explore_result`: what an exploration found. 48 bytes.
struct _CExploreResult {
    var schedules: UInt64
    var smcs: UInt64
    var violations: UInt64
    var violatingRuns: UInt64
    var warnings: UInt64
    var smcBound: UInt64
}

/// `srmm_explore_options_init`: the CLI's defaults, and the struct's size.
@_cdecl("srmm_explore_options_init")
public func srmm_explore_options_init(_ options: UnsafeMutableRawPointer?) -> Int32 {
    guard let options = unsafe options else { return ReturnCode.nullPointer.rawValue }
    unsafe options.storeBytes(of: _CExploreOptions.defaults, as: _CExploreOptions.self)
    return ReturnCode.ok.rawValue
}

/// `srmm_explore`: explores a C range function; the report (or the bad input's text) goes to `report`.
@_cdecl("srmm_explore")
public func srmm_explore(
    _ options: UnsafeRawPointer?, _ result: UnsafeMutableRawPointer?, _ report: UnsafeMutablePointer<CChar>?,
    _ size: UInt
) -> Int32 {
    guard let options = unsafe options, let result = unsafe result else { return ReturnCode.nullPointer.rawValue }
    guard unsafe report != nil || size == 0 else { return ReturnCode.nullPointer.rawValue }
    // A caller built against an older, shorter struct is refused rather than read past its end.
    let structSize = unsafe options.load(as: UInt64.self)
    guard unsafe structSize == UInt64(MemoryLayout<_CExploreOptions>.size) else {
        return ReturnCode.invalidArgument.rawValue
    }
    let given = unsafe options.load(as: _CExploreOptions.self)
    guard let libraryName = unsafe given.library, let symbolName = unsafe given.symbol else {
        return ReturnCode.nullPointer.rawValue
    }
    let shapes: [CHostFunction.Shape] = [.linuxRange, .linuxRangeOut]
    let operations: [CHostFunction.Operation] = [.delegate, .undelegate]
    let valid =
        unsafe given.shape < 2 && given.operation < 2 && given.forbidden < 2
        && (1...64).contains(given.granules) && given.depth <= 24 && given.busyRetries <= 16
        && given.blockedRetries <= 16 && (1...16).contains(given.continuations) && given.random <= UInt64(Int.max)
    guard valid
    else { return ReturnCode.invalidArgument.rawValue }
    let bounds = unsafe ExplorationBounds(
        granules: Int(given.granules), choiceDepth: Int(given.depth), attemptBudget: Int(given.busyRetries) + 1,
        blockedAttemptBudget: Int(given.blockedRetries) + 1, continuationBudget: Int(given.continuations))
    let search: ExplorationMode.Search =
        unsafe given.random == 0 ? .exhaustive(memoise: false) : .random(seed: given.seed, schedules: Int(given.random))
    let mode = unsafe ExplorationMode(
        search: search, answers: given.forbidden == 1 ? .includingForbidden : .specCompliant)

    let code: ReturnCode
    let text: String
    do throws(CHostError) {
        let library = unsafe try CHostLibrary(path: String(cString: libraryName))
        let function = unsafe try CHostFunction(
            library: library, symbol: String(cString: symbolName), shape: shapes[Int(given.shape)],
            operation: operations[Int(given.operation)])
        let found = try CFunctionExplorer.run(function, bounds: bounds, mode: mode)
        unsafe result.storeBytes(
            of: _CExploreResult(
                schedules: UInt64(found.schedulesRun), smcs: UInt64(found.smcsAnswered),
                violations: UInt64(found.violations.count),
                violatingRuns: UInt64(found.violatingRuns.values.reduce(0, +)), warnings: UInt64(found.warnings.count),
                smcBound: UInt64(found.smcBound)),
            as: _CExploreResult.self)
        code = .ok
        let warnings = found.warnings.map { "WARN \($0.site) fired in \($0.runs) runs\n" }
        text = (warnings + found.violations.map { "[\(found.violatingRuns[$0.key] ?? 0) runs] \($0)\n" }).joined()
    } catch {
        code =
            switch error {
            case .libraryNotLoaded, .hooksMissing: .library
            case .symbolMissing: .symbol
            case .shapeMismatch: .shape
            case .outsideHostMemory: .outsideMemory
            case .runtime, .noHostView: .platform
            }
        text = error.description + "\n"
    }
    guard let report = unsafe report, size > 0 else { return code.rawValue }
    let bytes = Array(text.utf8)
    let copied = min(bytes.count, Int(size - 1))
    for index in 0..<copied { unsafe report[index] = CChar(bitPattern: bytes[index]) }
    unsafe report[copied] = 0
    return (code == .ok && copied < bytes.count ? ReturnCode.bufferTooSmall : code).rawValue
}
