import CCAPlatform

/// What an `srmm_platform *` points at: one machine, retained until `srmm_platform_destroy`.
final class PlatformHandle: Sendable {
    let machine: Machine

    init(machine: Machine) { self.machine = machine }

    /// A +1 reference as the opaque handle C holds.
    func retainedHandle() -> OpaquePointer {
        unsafe OpaquePointer(Unmanaged.passRetained(self).toOpaque())
    }

    /// The platform behind a handle C passed in, or `nil` for NULL. A dangling handle cannot be detected.
    static func from(_ handle: OpaquePointer?) -> PlatformHandle? {
        guard let handle = unsafe handle else { return nil }
        return unsafe Unmanaged<PlatformHandle>.fromOpaque(UnsafeRawPointer(handle)).takeUnretainedValue()
    }

    /// Runs `body` with the machine behind a handle C passed in, borrowed rather than retained (`nil` for NULL):
    /// for the SMC path, where a retain and a release of the handle and of the machine would be four atomic
    /// read-modify-writes on every call, all of them on lines every CPU's thread shares. C holds the handle for the
    /// whole call, which is what keeps the platform alive; a dangling handle cannot be detected.
    static func withMachine<Result>(_ handle: OpaquePointer?, _ body: (Machine) -> Result) -> Result? {
        guard let handle = unsafe handle else { return nil }
        return unsafe Unmanaged<PlatformHandle>.fromOpaque(UnsafeRawPointer(handle))._withUnsafeGuaranteedRef {
            body($0.machine)
        }
    }

    /// Drops the reference `retainedHandle()` made.
    static func release(_ handle: OpaquePointer) {
        unsafe Unmanaged<PlatformHandle>.fromOpaque(UnsafeRawPointer(handle)).release()
    }
}
