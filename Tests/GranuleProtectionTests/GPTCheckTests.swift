import CCAArch
import GranuleProtection
import Testing

/// L0 descriptors the walk must refuse: invalid type, reserved GPI in a Block, RES0 bit set.
let invalidL0Descriptors: [UInt64] = [0, 0b0111, 0b0010_0001, 0b1001_0001 | 1 << 40]
/// L1 words the walk must refuse: a reserved GPI nibble, contiguous size 00, a RES0 bit, a reserved contiguous GPI.
let invalidL1Descriptors: [UInt64] = [0x9999_9999_9999_9929, 0b1001_0001, 0b01_1001_0001 | 1 << 12, 0b01_0011_0001]

@Suite("The granule protection check")
struct GPTCheckTests {
    @Test("a Non-secure granule in an L1 table admits NS and faults other states with a GPF at level 1")
    func l1Granule() throws {
        let gpt = try makeStandardGPT()
        let pa = PhysicalAddress(0x4000_1000)
        #expect(gpt.check(pa, accessedBy: .nonSecure) == nil)
        for state in [SecurityState.secure, .root, .realm] {
            let fault = try #require(gpt.check(pa, accessedBy: state))
            #expect(fault == GPCFault(pa: pa, kind: .gpf, level: 1, accessedBy: state))
            #expect(fault.gpcsc == 0b001101)
        }
        #expect(gpt.gpi(at: pa) == .nonSecure)
    }

    @Test("a no-access Block faults every state with a GPF at level 0", arguments: SecurityState.allCases)
    func blockNoAccess(state: SecurityState) throws {
        let gpt = try makeStandardGPT()
        let pa = PhysicalAddress(10 * GiB)
        let fault = try #require(gpt.check(pa, accessedBy: state))
        #expect(fault.kind == .gpf && fault.level == 0 && fault.gpcsc == 0b001100)
        #expect(gpt.gpi(at: pa) == .noAccess)
    }

    @Test("beyond PPS a Non-secure access uses no GPT and others take an address size fault at level 0")
    func beyondPPS() throws {
        let gpt = try makeStandardGPT()
        let pa = PhysicalAddress(64 * GiB)
        #expect(gpt.check(pa, accessedBy: .nonSecure) == nil)
        for state in [SecurityState.secure, .root, .realm] {
            let fault = try #require(gpt.check(pa, accessedBy: state))
            #expect(fault.kind == .addressSize && fault.level == 0 && fault.gpcsc == 0)
        }
        #expect(gpt.gpi(at: pa) == nil)
    }

    @Test(
        "an invalid L0 descriptor is a GPT walk fault at level 0",
        arguments: invalidL0Descriptors)
    func invalidL0(raw: UInt64) throws {
        let gpt = try makeStandardGPT()
        gpt.overwriteL0Descriptor(at: 5, bits: raw)
        let fault = try #require(gpt.check(PhysicalAddress(5 * GiB), accessedBy: .nonSecure))
        #expect(fault.kind == .walk && fault.level == 0 && fault.gpcsc == 0b000100)
        #expect(gpt.gpi(at: PhysicalAddress(5 * GiB)) == nil)
    }

    @Test(
        "a reserved GPI or malformed contiguous descriptor in L1 is a GPT walk fault at level 1",
        arguments: invalidL1Descriptors)
    func invalidL1(raw: UInt64) throws {
        let gpt = try makeStandardGPT()
        let pa = PhysicalAddress(0x100_0000)
        gpt.overwriteL1Descriptor(at: pa, bits: raw)
        let granule = PhysicalAddress(pa.rawValue + 0x1000)
        let fault = try #require(gpt.check(granule, accessedBy: .realm))
        #expect(fault.kind == .walk && fault.level == 1 && fault.gpcsc == 0b000101)
    }

    @Test("GPI 0b1111 admits every state and Realm admits only Realm", arguments: SecurityState.allCases)
    func anyAndRealm(state: SecurityState) throws {
        let gpt = try makeStandardGPT()
        let pa = PhysicalAddress(0x2000)
        gpt.overwriteL1Descriptor(at: pa, bits: GPTL1Granules(repeating: .any).rawValue)
        #expect(gpt.check(pa, accessedBy: state) == nil)
        gpt.overwriteL1Descriptor(at: pa, bits: GPTL1Granules(repeating: .realm).rawValue)
        #expect((gpt.check(pa, accessedBy: state) == nil) == (state == .realm))
    }

    @Test("the NSO GPI is a walk fault unless GPCCR_EL3.NSO is set, and then admits only Non-secure")
    func nonSecureOnly() throws {
        let raw = GPTL1Granules(repeating: .nonSecureOnly).rawValue
        let pa = PhysicalAddress(0x3000)
        let without = try makeStandardGPT()
        without.overwriteL1Descriptor(at: pa, bits: raw)
        #expect(without.check(pa, accessedBy: .nonSecure)?.kind == .walk)
        let with = try makeStandardGPT(gpccr: GPCCR(pps: .bits36, pgs: .size4KB, l0gptsz: .size1GB, nso: true))
        with.overwriteL1Descriptor(at: pa, bits: raw)
        #expect(with.check(pa, accessedBy: .nonSecure) == nil)
        #expect(with.check(pa, accessedBy: .realm)?.kind == .gpf)
    }

    @Test("with GPCCR_EL3.GPC clear nothing is checked")
    func checksDisabled() throws {
        let gpt = try makeStandardGPT(gpccr: GPCCR(pps: .bits36, pgs: .size4KB, l0gptsz: .size1GB, gpc: false))
        #expect(gpt.check(PhysicalAddress(10 * GiB), accessedBy: .realm) == nil)
    }
}
