import CCAArch
import RMIHost
import Testing

@Suite("Stateful operation driver")
struct StatefulOperationTests {
    let handle: UInt64 = 5
    let listPage = dramBase
    let command = call(.recCreate, 0x8800_0000, 0x8800_1000)

    func descriptor(_ base: PhysicalAddress, count: UInt64 = 1, _ state: OpMemState) -> UInt64 {
        AddressRangeDescriptor(base: base, blockSize: .level3, count: count, state: state).encoding(granule: .size4KB)!
    }

    @Test("a command that completes at once is returned as it answered, with no handle")
    func synchronousCompletion() throws {
        let (host, conduit) = try activeHost()
        conduit.enqueue(answers: [rmi(.success, 0x1234)])
        let outcome = host.execute(command)
        #expect(outcome.end == .completed(rmi(.success, 0x1234)))
        #expect(outcome.handle == nil)
        #expect(outcome.smcCount == 1)
    }

    @Test("a donation of DELEGATED pages is delegated first, listed, and its unconsumed tail undelegated and freed")
    func donationDelegatedServed() throws {
        let memory = MemoryDouble()
        let (host, conduit) = try activeHost(memory: memory)
        let request = OpMemDonateRequest(blockSize: .level3, count: 2, contiguous: false, state: .delegated)
        let first = dramBase + page
        let second = dramBase + 2 * page
        let freeBefore = host.allocator.freeGranuleCount
        conduit.enqueue(answers: [
            incomplete(.donate, x1: handle, x2: request.encoding),
            rmi(.success, (first + page).rawValue),
            rmi(.success, (second + page).rawValue),
            incomplete(.none, x1: 1),
            rmi(.success, (second + page).rawValue),
            rmi(.success),
        ])
        let outcome = host.execute(command)
        #expect(outcome.end == .completed(rmi(.success)))
        #expect(outcome.handle == handle)
        #expect(outcome.smcCount == 6)
        #expect(
            conduit.trace == [
                command,
                call(.granuleRangeDelegate, first.rawValue, (first + page).rawValue),
                call(.granuleRangeDelegate, second.rawValue, (second + page).rawValue),
                call(.opMemDonate, handle, listPage.rawValue, 2),
                call(.granuleRangeUndelegate, second.rawValue, (second + page).rawValue),
                call(.opContinue, handle, 0),
            ])
        #expect(memory.words(2, at: listPage) == [descriptor(first, .delegated), descriptor(second, .delegated)])
        #expect(!host.allocator.isFree(first))
        #expect(host.allocator.isFree(second))
        #expect(host.allocator.isFree(listPage))
        #expect(host.allocator.freeGranuleCount == freeBefore - 1)
        #expect(host.isRecordedAsDelegated(first))
        #expect(!host.isRecordedAsDelegated(second))
    }

    @Test("a contiguous donation of UNDELEGATED memory is one aligned block in one descriptor, not delegated")
    func donationContiguousServed() throws {
        let memory = MemoryDouble()
        let (host, conduit) = try activeHost(memory: memory)
        let request = OpMemDonateRequest(blockSize: .level3, count: 4, contiguous: true, state: .undelegated)
        let block = dramBase + 4 * page
        conduit.enqueue(answers: [incomplete(.donate, x1: handle, x2: request.encoding), rmi(.success, 4)])
        let outcome = host.execute(command)
        #expect(outcome.end == .completed(rmi(.success, 4)))
        #expect(conduit.trace == [command, call(.opMemDonate, handle, listPage.rawValue, 1)])
        #expect(memory.words(1, at: listPage) == [descriptor(block, count: 4, .undelegated)])
        #expect((0..<4).allSatisfy { !host.allocator.isFree(block + $0 * page) })
    }

    @Test("a donated count larger than the offer is clamped to what was offered")
    func donatedCountClamped() throws {
        let (host, conduit) = try activeHost()
        let request = OpMemDonateRequest(blockSize: .level3, count: 1, contiguous: false, state: .undelegated)
        let freeBefore = host.allocator.freeGranuleCount
        conduit.enqueue(answers: [incomplete(.donate, x1: handle, x2: request.encoding), rmi(.success, 1000)])
        let outcome = host.execute(command)
        #expect(outcome.status == .success)
        #expect(host.allocator.freeGranuleCount == freeBefore - 1)
    }

    @Test("a reclaim undelegates the DELEGATED descriptors and frees every reclaimed granule")
    func reclaimServed() throws {
        let memory = MemoryDouble()
        let (host, conduit) = try activeHost(memory: memory)
        let donated = try #require(host.allocator.allocate(granules: 3))
        let list = dramBase + 3 * page
        let words = [descriptor(donated[0], .delegated), descriptor(donated[1], count: 2, .undelegated)]
        conduit.enqueue([
            .answer(incomplete(.reclaim, x1: 9)),
            .act { arguments in
                try! memory.writeWords(words, at: PhysicalAddress(arguments.x2))
                return incomplete(.none, x1: 2)
            },
            .answer(rmi(.success, (donated[0] + page).rawValue)),
            .answer(rmi(.success)),
        ])
        let outcome = host.execute(call(.recDestroy, 0x8800_1000))
        #expect(outcome.end == .completed(rmi(.success)))
        #expect(
            conduit.trace == [
                call(.recDestroy, 0x8800_1000),
                call(.opMemReclaim, 9, list.rawValue, 512),
                call(.granuleRangeUndelegate, donated[0].rawValue, (donated[0] + page).rawValue),
                call(.opContinue, 9, 0),
            ])
        #expect(donated.allSatisfy { host.allocator.isFree($0) })
        #expect(host.leakLedger.leakedGranuleCount == 0)
    }

    @Test("a reclaimed granule that fails to undelegate is leaked, not freed")
    func reclaimLeaks() throws {
        let memory = MemoryDouble()
        let (host, conduit) = try activeHost(memory: memory)
        let donated = try #require(host.allocator.allocatePage())
        let word = descriptor(donated, .delegated)
        conduit.enqueue([
            .answer(incomplete(.reclaim, x1: 9)),
            .act { arguments in
                try! memory.writeWords([word], at: PhysicalAddress(arguments.x2))
                return incomplete(.none, x1: 1)
            },
            .answer(rmi(.errorInput)),
            .answer(rmi(.success)),
        ])
        let outcome = host.execute(call(.recDestroy, 0x8800_1000))
        #expect(outcome.status == .success)
        #expect(host.leakLedger.leakedGranules == [donated])
        #expect(!host.allocator.isFree(donated))
    }

    @Test("when the allocator is exhausted and cancelling is allowed, the driver cancels and drives the roll-back")
    func cancelWhenExhausted() throws {
        let small = HostPageAllocator(regions: [try GranuleRange(base: dramBase, size: 2 * page)])
        let (host, conduit) = try activeHost(allocator: small)
        let request = OpMemDonateRequest(blockSize: .level3, count: 16, contiguous: false, state: .delegated)
        conduit.enqueue(answers: [
            incomplete(.donate, canCancel: true, x1: handle, x2: request.encoding),
            incomplete(.reclaim, x1: 0),
            incomplete(.none, x1: 0),
            rmi(.errorInput),
        ])
        let outcome = host.execute(command)
        #expect(outcome.end == .failed(.cancelled(reason: .outOfMemory(bytes: 16 * page), answer: rmi(.errorInput))))
        #expect(
            conduit.trace == [
                command, call(.opCancel, handle), call(.opMemReclaim, handle, listPage.rawValue, 512),
                call(.opContinue, handle, 0),
            ])
        #expect(small.freeGranuleCount == 2)
    }

    @Test("when cancelling is not allowed, an unservable donation fails cleanly without OP_CANCEL")
    func noCancelWhenNotAllowed() throws {
        let small = HostPageAllocator(regions: [try GranuleRange(base: dramBase, size: 2 * page)])
        let (host, conduit) = try activeHost(allocator: small)
        let request = OpMemDonateRequest(blockSize: .level3, count: 16, contiguous: false, state: .delegated)
        conduit.enqueue(answers: [incomplete(.donate, canCancel: false, x1: handle, x2: request.encoding)])
        let outcome = host.execute(command)
        #expect(outcome.end == .failed(.hostFailure(.outOfMemory(bytes: 16 * page), handle: handle)))
        #expect(conduit.trace == [command])
        #expect(small.freeGranuleCount == 2)
    }

    @Test("a failure delegating donated memory undoes the delegated part before cancelling")
    func delegationFailureRolledBack() throws {
        let (host, conduit) = try activeHost()
        let request = OpMemDonateRequest(blockSize: .level3, count: 2, contiguous: false, state: .delegated)
        let first = dramBase + page
        let second = dramBase + 2 * page
        let freeBefore = host.allocator.freeGranuleCount
        conduit.enqueue(answers: [
            incomplete(.donate, canCancel: true, x1: handle, x2: request.encoding),
            rmi(.success, (first + page).rawValue),
            rmi(.errorInput),
            rmi(.success, (first + page).rawValue),
            rmi(.errorInput),
        ])
        let outcome = host.execute(command)
        #expect(
            outcome.end
                == .failed(
                    .cancelled(reason: .delegationFailed(at: second, status: .errorInput), answer: rmi(.errorInput))))
        #expect(
            conduit.trace == [
                command,
                call(.granuleRangeDelegate, first.rawValue, (first + page).rawValue),
                call(.granuleRangeDelegate, second.rawValue, (second + page).rawValue),
                call(.granuleRangeUndelegate, first.rawValue, (first + page).rawValue),
                call(.opCancel, handle),
            ])
        #expect(host.allocator.freeGranuleCount == freeBefore)
        #expect(host.recordedDelegatedGranuleCount == 0)
    }

    @Test("a refused donation returns the whole offer and cancels when allowed")
    func refusedDonationReturned() throws {
        let (host, conduit) = try activeHost()
        let request = OpMemDonateRequest(blockSize: .level3, count: 1, contiguous: false, state: .delegated)
        let first = dramBase + page
        let freeBefore = host.allocator.freeGranuleCount
        conduit.enqueue(answers: [
            incomplete(.donate, canCancel: true, x1: handle, x2: request.encoding),
            rmi(.success, (first + page).rawValue),
            rmi(.errorInput, 0),
            rmi(.success, (first + page).rawValue),
            rmi(.errorInput),
        ])
        let outcome = host.execute(command)
        #expect(
            outcome.end == .failed(.cancelled(reason: .donationRefused(.errorInput), answer: rmi(.errorInput))))
        #expect(conduit.trace[3] == call(.granuleRangeUndelegate, first.rawValue, (first + page).rawValue))
        #expect(conduit.trace.last == call(.opCancel, handle))
        #expect(host.allocator.freeGranuleCount == freeBefore)
    }

    @Test("donated memory whose delegation is abandoned mid-operation is quarantined, never freed")
    func abandonedDonationDelegationQuarantined() throws {
        let (host, conduit) = try activeHost(policy: testPolicy(attempts: 2))
        let request = OpMemDonateRequest(blockSize: .level2, count: 1, contiguous: false, state: .delegated)
        let freeBefore = host.allocator.freeGranuleCount
        let delegatedTop: UInt64 = 0x8020_0000 + 4 * page
        conduit.enqueue(answers: [
            incomplete(.donate, x1: handle, x2: request.encoding),
            rmi(.success, delegatedTop),
            incomplete(x1: 0x77), rmi(.busy), rmi(.busy),
            rmi(.success, delegatedTop),
        ])
        let outcome = host.execute(command)
        let block = try GranuleRange(base: PhysicalAddress(0x8020_0000), size: 0x20_0000)
        let held = GranuleRange(uncheckedBase: PhysicalAddress(delegatedTop), top: block.top, granuleSize: .size4KB)
        #expect(outcome.end == .failed(.hostFailure(.delegationFailed(at: held.base, status: .busy), handle: handle)))
        #expect(conduit.trace[1] == call(.granuleRangeDelegate, block.base.rawValue, block.top.rawValue))
        #expect(conduit.trace[2] == call(.granuleRangeDelegate, delegatedTop, block.top.rawValue))
        #expect(conduit.trace[5] == call(.granuleRangeUndelegate, block.base.rawValue, delegatedTop))
        #expect(host.leakLedger.leakedRanges == [held])
        #expect(!host.allocator.isFree(held.base) && !host.allocator.isFree(PhysicalAddress(block.top.rawValue - page)))
        #expect(host.allocator.isFree(block.base))
        // The list page and the undelegated prefix came back; the held suffix did not.
        #expect(host.allocator.freeGranuleCount == freeBefore - held.granuleCount)
    }

    @Test("a writing fault on the list page gives the blocks back and fails without cancelling when not allowed")
    func listWriteFault() throws {
        let memory = MemoryDouble()
        let (host, conduit) = try activeHost(memory: memory)
        memory.fault(dramBase.rawValue..<dramBase.rawValue + page)
        let request = OpMemDonateRequest(blockSize: .level3, count: 1, contiguous: false, state: .undelegated)
        let freeBefore = host.allocator.freeGranuleCount
        conduit.enqueue(answers: [incomplete(.donate, x1: handle, x2: request.encoding)])
        let outcome = host.execute(command)
        #expect(outcome.end == .failed(.hostFailure(.memoryFault(HostMemoryError(address: dramBase)), handle: handle)))
        #expect(conduit.trace == [command])
        #expect(host.allocator.freeGranuleCount == freeBefore)
    }

    @Test("an INCOMPLETE carrying the reserved memory request is a host failure, not a loop")
    func reservedMemoryRequest() throws {
        let (host, conduit) = try activeHost()
        conduit.enqueue(answers: [SMCReturn(13 | 3 << 8, handle)])
        let outcome = host.execute(command)
        #expect(outcome.end == .failed(.hostFailure(.malformedResult(13 | 3 << 8), handle: handle)))
        #expect(conduit.trace.count == 1)
    }

    @Test("BUSY on an OP_CONTINUE is retried within the budget, then the drive ends stalled")
    func busyInsideOperation() throws {
        let (host, conduit) = try activeHost(policy: testPolicy(attempts: 3))
        conduit.enqueue(answers: [incomplete(x1: handle)] + Array(repeating: rmi(.busy), count: 10))
        let outcome = host.execute(command)
        #expect(outcome.end == .stalled(.busy))
        #expect(outcome.smcCount == 4)
        #expect(outcome.handle == handle)
    }

    @Test(
        "donation requests the host does not serve fail without cancelling when cancelling is not allowed",
        arguments: [
            OpMemDonateRequest(blockSize: .level3, count: 2, contiguous: false, state: .conditional),
            OpMemDonateRequest(blockSize: .level3, count: 3, contiguous: true, state: .undelegated),
            OpMemDonateRequest(blockSize: .level3, count: 2048, contiguous: true, state: .undelegated),
        ])
    func unsupportedDonation(request: OpMemDonateRequest) throws {
        let (host, conduit) = try activeHost()
        let freeBefore = host.allocator.freeGranuleCount
        conduit.enqueue(answers: [incomplete(.donate, x1: handle, x2: request.encoding)])
        let outcome = host.execute(command)
        #expect(outcome.end == .failed(.hostFailure(.unsupportedDonationRequest(request), handle: handle)))
        #expect(conduit.trace == [command])
        #expect(host.allocator.freeGranuleCount == freeBefore)
    }

    @Test("a donation request with reserved bits set is malformed")
    func malformedDonation() throws {
        let (host, conduit) = try activeHost()
        conduit.enqueue(answers: [incomplete(.donate, x1: handle, x2: 1 << 40)])
        let outcome = host.execute(command)
        #expect(outcome.end == .failed(.hostFailure(.malformedDonationRequest(1 << 40), handle: handle)))
    }

    @Test("a request for more blocks than one list page holds is offered one page of descriptors")
    func largeDonationOffersOneListPage() throws {
        let memory = MemoryDouble()
        let (host, conduit) = try activeHost(memory: memory)
        let request = OpMemDonateRequest(blockSize: .level3, count: 600, contiguous: false, state: .undelegated)
        let freeBefore = host.allocator.freeGranuleCount
        conduit.enqueue(answers: [incomplete(.donate, x1: handle, x2: request.encoding), rmi(.success, 512)])
        let outcome = host.execute(command)
        #expect(outcome.status == .success)
        #expect(conduit.trace.last == call(.opMemDonate, handle, listPage.rawValue, 512))
        #expect(memory.words(512, at: listPage).last == descriptor(dramBase + 512 * page, .undelegated))
        #expect(host.allocator.freeGranuleCount == freeBefore - 512)
    }
}
