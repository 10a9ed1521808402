import CCAArch
import Dispatch
import RMIHost
import Synchronization
import Testing

@Suite("Concurrent host callers")
struct ConcurrencyTests {
    /// An RMM double that moves at most two granules per call and always succeeds (skip semantics: a repeated
    /// delegation succeeds too).
    static let twoGranulesPerCall: @Sendable (SMCArguments) -> SMCReturn = { arguments in
        switch FunctionID(arguments.x0) {
        case .granuleRangeDelegate, .granuleRangeUndelegate:
            return rmi(.success, Swift.min(arguments.x1 + 2 * page, arguments.x2))
        default:
            return .notSupported
        }
    }

    func activeSibling(_ conduit: RuleConduit) throws -> HostRMI {
        let (host, _) = try activeHost()
        return host.using(conduit)
    }

    @Test("threads delegating disjoint ranges each get their whole range, and the record holds all of them")
    func disjointRanges() throws {
        let conduit = RuleConduit(Self.twoGranulesPerCall)
        let host = try activeSibling(conduit)
        let threads = 8
        let outcomes = Mutex<[RangeOutcome]>([])
        DispatchQueue.concurrentPerform(iterations: threads) { index in
            let base = dramBase + UInt64(index) * 16 * page
            let outcome = host.delegate(base: base, size: 16 * page)
            outcomes.withLock { $0.append(outcome) }
        }
        let all = outcomes.withLock { $0 }
        #expect(all.count == threads)
        #expect(all.allSatisfy { $0.succeeded && $0.top == $0.base + 16 * page && $0.smcCount == 8 })
        #expect(conduit.trace.count == threads * 8)
        #expect(host.recordedDelegatedGranuleCount == UInt64(threads) * 16)
    }

    @Test("threads delegating and undelegating the same range all finish with exact outcomes")
    func overlappingRanges() throws {
        let conduit = RuleConduit(Self.twoGranulesPerCall)
        let host = try activeSibling(conduit)
        let outcomes = Mutex<[RangeOutcome]>([])
        DispatchQueue.concurrentPerform(iterations: 8) { index in
            let outcome =
                index.isMultiple(of: 2)
                ? host.delegate(base: dramBase, size: 8 * page)
                : host.undelegate(base: dramBase, size: 8 * page)
            outcomes.withLock { $0.append(outcome) }
        }
        let all = outcomes.withLock { $0 }
        #expect(all.allSatisfy { $0.succeeded && $0.top == dramBase + 8 * page && $0.smcCount == 4 })
        #expect(conduit.trace.count == 32)
        #expect(host.leakLedger.leakedGranuleCount == 0)
    }

    @Test("threads allocating and freeing pages never receive the same granule twice")
    func allocatorUnderContention() throws {
        let allocator = HostPageAllocator(regions: [try GranuleRange(base: dramBase, size: 256 * page)])
        let granted = Mutex<[PhysicalAddress]>([])
        DispatchQueue.concurrentPerform(iterations: 8) { _ in
            for _ in 0..<16 {
                guard let pages = allocator.allocate(granules: 2) else { continue }
                granted.withLock { $0 += pages }
            }
        }
        let pages = granted.withLock { $0 }
        #expect(pages.count == 256)
        #expect(Set(pages).count == 256)
        #expect(allocator.freeGranuleCount == 0)
        DispatchQueue.concurrentPerform(iterations: pages.count) { index in
            allocator.freePage(pages[index])
        }
        #expect(allocator.freeGranuleCount == 256)
    }
}
