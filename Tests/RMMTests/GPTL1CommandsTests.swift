import CCAArch
import Testing

@testable import RMM

private let base: UInt64 = 0x8000_0000
private let g = Harness.g

@Suite("RMI_GPT_L1_CREATE / DESTROY (B4.5.15, B4.5.16) and RMI_GPT_INFO")
struct GPTL1Tests {
    @Test("CREATE entry_state: a region whose table the platform created answers RMI_ERROR_GPT")
    func create_entry_state() {
        #expect(Harness().status(Harness().smc(.gptL1Create, base)) == .errorGPT)
    }

    @Test("CREATE addr_bound and addr_align answer RMI_ERROR_INPUT", arguments: [1 << 40, base + 0x1000] as [UInt64])
    func create_addr(address: UInt64) {
        #expect(Harness().status(Harness().smc(.gptL1Create, address)) == .errorInput)
    }

    @Test("CREATE unfold_denied: a region without memory answers RMI_ERROR_GLOBAL")
    func create_unfold_denied() {
        #expect(Harness().status(Harness().smc(.gptL1Create, 0)) == .errorGlobal)
    }

    @Test("DESTROY entry_state: a Block region answers RMI_ERROR_INPUT; a platform table RMI_ERROR_GLOBAL")
    func destroy() {
        let h = Harness()
        #expect(h.status(h.smc(.gptL1Destroy, 0)) == .errorInput)
        #expect(h.status(h.smc(.gptL1Destroy, base)) == .errorGlobal)
        #expect(h.status(h.smc(.gptL1Destroy, base + 0x1000)) == .errorInput)
    }

    @Test("INFO walks L0 regions: X1 the next region, X2 the owner")
    func info() {
        let h = Harness()
        #expect(h.smc(.gptInfo, 0, 1 << 40) == SMCReturn(0, 0x4000_0000, 0))
        #expect(h.smc(.gptInfo, base, 1 << 40) == SMCReturn(0, 0xC000_0000, 1))
        #expect(h.status(h.smc(.gptInfo, base, base)) == .errorInput)
        #expect(h.status(h.smc(.gptInfo, base + 0x1000, 1 << 40)) == .errorInput)
    }
}
