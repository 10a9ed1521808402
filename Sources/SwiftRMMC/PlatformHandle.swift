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

    /// Drops the reference `retainedHandle()` made.
    static func release(_ handle: OpaquePointer) {
        unsafe Unmanaged<PlatformHandle>.fromOpaque(UnsafeRawPointer(handle)).release()
    }
}
