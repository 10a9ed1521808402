import CHostRuntime

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Why C host code could not be loaded or run: bad input, each with one clear sentence.
public enum CHostError: Error, Hashable, Sendable, CustomStringConvertible {
    /// `dlopen` failed: the file is missing or is not a loadable library.
    case libraryNotLoaded(path: String, reason: String)
    /// The library does not define `srmm_linux_hooks`: it was not built with include/swift_rmm_linux.h.
    case hooksMissing(path: String)
    /// The library has no such symbol.
    case symbolMissing(symbol: String, path: String)
    /// The function wrote through the third argument its shape does not have.
    case shapeMismatch(symbol: String, detail: String)
    /// The function touched memory outside the host's: neither the model's DRAM nor its own stack or data.
    case outsideHostMemory(symbol: String, address: UInt64, schedule: [ScheduleStep])
    /// The runtime could not prepare the thread (signal handlers, alternate stack, watchdog timer).
    case runtime(errno: Int32)
    /// The platform was built without a host view of its DRAM (`PlatformConfiguration.hostView`).
    case noHostView

    public var description: String {
        switch self {
        case .libraryNotLoaded(let path, let reason): "cannot load the C library \(path): \(reason)"
        case .hooksMissing(let path):
            "\(path) defines no srmm_linux_hooks: build it from code that includes swift_rmm_linux.h "
                + "(cc -shared -fPIC -Iinclude mycode.c -o libmycode.so)"
        case .symbolMissing(let symbol, let path): "\(path) has no symbol \(symbol)"
        case .shapeMismatch(let symbol, let detail): "\(symbol) does not have the shape it was given: \(detail)"
        case .outsideHostMemory(let symbol, let address, let schedule):
            "\(symbol) accessed 0x\(String(address, radix: 16)), which is not the host's memory (a wild or null "
                + "pointer; the model maps only its DRAM through phys_to_virt and the pages it allocates), after "
                + "\(schedule.count) SMC\(schedule.count == 1 ? "" : "s")"
        case .runtime(let errno): "the C runtime could not prepare this thread (errno \(errno))"
        case .noHostView: "the platform has no host view of its DRAM: build it with the hostView option (--host-view)"
        }
    }
}

/// A shared library of C host code built with include/swift_rmm_linux.h, loaded and with its hooks bound.
///
/// Loading binds the library's `srmm_linux_hooks` table to the runtime's trampolines; which model answers is
/// chosen per call (`CHostRuntime`'s callbacks are per thread), so one library can serve several explorations at
/// once. The library stays loaded for the lifetime of this object.
@safe
public final class CHostLibrary: @unchecked Sendable {
    /// The path it was loaded from.
    public let path: String
    private let handle: UnsafeMutableRawPointer

    /// Loads the library at `path` (RTLD_NOW, RTLD_LOCAL) and binds its hooks.
    public init(path: String) throws(CHostError) {
        // dlopen searches the library path for a bare name: a file in the current directory needs "./".
        let target = path.contains("/") ? path : "./" + path
        guard let handle = unsafe dlopen(target, RTLD_NOW | RTLD_LOCAL) else {
            let reason = unsafe dlerror().map { unsafe String(cString: $0) } ?? "dlopen failed"
            throw .libraryNotLoaded(path: path, reason: reason)
        }
        guard let hooks = unsafe dlsym(handle, "srmm_linux_hooks") else {
            unsafe dlclose(handle)
            throw .hooksMissing(path: path)
        }
        unsafe chr_bind(hooks)
        self.path = path
        unsafe self.handle = unsafe handle
    }

    deinit { unsafe dlclose(handle) }

    /// The address of the function `symbol`.
    public func function(named symbol: String) throws(CHostError) -> CHostFunction.Pointer {
        guard let address = unsafe dlsym(handle, symbol) else { throw .symbolMissing(symbol: symbol, path: path) }
        return unsafe CHostFunction.Pointer(address: UnsafeRawPointer(address))
    }
}
