#if !hasFeature(Embedded) && canImport(Glibc)
import Glibc
#endif

/// Who watches the firmware's shared-memory steps: the one choke point of every atomic access the RMM and EL3 make.
///
/// Normal runs have no observer. A deterministic interleaving checker installs one and runs simulated CPUs as
/// cooperative tasks: each step calls `willAccess` before it touches memory, and the checker decides there which
/// CPU takes the next step, so every interleaving of the steps can be explored and replayed exactly. Code that
/// spins until another CPU changes a word calls `willWait(for:)` first, so a checker does not schedule the spinner
/// again until the word has been written (and can tell a deadlock from a long wait).
///
/// Implementations must tolerate calls from any thread and from code they do not schedule (they should return at
/// once there).
public protocol SchedulingObserver: AnyObject, Sendable {
    /// The calling CPU is about to make one `access` to `location`.
    func willAccess(_ location: SharedLocation, _ access: SharedAccess)

    /// The calling CPU found `location` held by another CPU and will look again: it has nothing to do until
    /// another CPU writes the location.
    func willWait(for location: SharedLocation)

    /// The calling CPU failed one of the firmware's own consistency checks (a precondition) at `location`. A
    /// checker records it with the interleaving that led there; it need not return (the firmware traps if it does).
    func preconditionFailed(_ message: StaticString, at location: SharedLocation)
}

/// Whether this build has scheduling points: debug builds do (the build condition `SCHEDULING_POINTS`, set by
/// Package.swift for the debug configuration); release and Embedded builds compile them out, so there a point
/// costs nothing at all and an interleaving checker cannot take over.
public var schedulingPointsAreCompiled: Bool {
    #if SCHEDULING_POINTS && !hasFeature(Embedded)
    true
    #else
    false
    #endif
}

/// The scheduling point: where every shared-memory step of the firmware passes, observed or not.
///
/// Empty unless the build has scheduling points (`schedulingPointsAreCompiled`); there it costs one load and a
/// branch when `observer` is `nil`.
@inlinable
@inline(__always)
public func schedulingPoint(
    _ observer: (any SchedulingObserver)?, _ location: SharedLocation, _ access: SharedAccess
) {
    #if SCHEDULING_POINTS && !hasFeature(Embedded)
    if let observer { observer.willAccess(location, access) }
    #endif
}

/// The point before a spin: the caller will look at `location` again only after another CPU wrote it. With an
/// observer, the observer decides who runs next. Without one, on a hosted build the simulated CPU (a host thread)
/// gives up its core: the CPU it waits for may be a thread the host has descheduled (more simulated CPUs than
/// cores), and spinning would only burn the time slice that CPU needs to let go. Firmware builds just spin.
@inlinable
@inline(__always)
public func waitingPoint(_ observer: (any SchedulingObserver)?, _ location: SharedLocation) {
    #if SCHEDULING_POINTS && !hasFeature(Embedded)
    if let observer { return observer.willWait(for: location) }
    #endif
    #if !hasFeature(Embedded) && canImport(Glibc)
    _yieldHostThread()
    #endif
}

#if !hasFeature(Embedded) && canImport(Glibc)
/// Gives up the host core (`sched_yield`); kept out of line so that `waitingPoint` stays inlinable without the C
/// library in this module's interface.
@usableFromInline
func _yieldHostThread() { sched_yield() }
#endif

/// A consistency check of the firmware: traps when `condition` is false, after telling the observer (which may
/// keep the failing CPU from going on, so that a checker can report the interleaving instead of crashing).
///
/// The observer is an autoclosure, read only when the check fails: callers hold it `unowned(unsafe)`, and reading
/// it into an argument would retain and release it on every check, an atomic read-modify-write of the one
/// observer object every CPU shares.
@inlinable
@inline(__always)
public func firmwarePrecondition(
    _ condition: Bool, _ message: StaticString, observer: @autoclosure () -> (any SchedulingObserver)?,
    at location: SharedLocation
) {
    if !condition { firmwarePreconditionFailure(message, observer: observer(), at: location) }
}

/// A consistency check that failed: tells the observer, then traps.
public func firmwarePreconditionFailure(
    _ message: StaticString, observer: (any SchedulingObserver)?, at location: SharedLocation
) -> Never {
    #if hasFeature(Embedded)
    // No String in firmware: the trap's address names the check.
    preconditionFailure()
    #else
    if let observer { observer.preconditionFailed(message, at: location) }
    preconditionFailure(message.description)
    #endif
}
