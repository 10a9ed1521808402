import CCAArch
import Testing

@testable import RMM

private let base: UInt64 = 0x8000_0000
private let g = Harness.g

@Suite("RMI_FEATURES (B4.5.14)")
struct FeaturesTests {
    @Test("register 1 advertises the platform's granule, L0GPTSZ and PPS")
    func register1() {
        let h = Harness(activate: false)
        let reg = FeatureRegister1(rawValue: h.smc(.features, 1).x1)
        #expect(reg.supports(.size4KB) && !reg.supports(.size16KB) && !reg.supports(.size64KB))
        #expect(reg.l0gptsz == 0)
        #expect(reg.pps == 0b010)
        #expect(reg.isValid)
    }

    @Test("register 0 is valid and reports the PA size as S2OASZ")
    func register0() {
        let reg = FeatureRegister0(rawValue: Harness(activate: false).smc(.features, 0).x1)
        #expect(reg.isValid)
        #expect(reg.s2oasz == 40)
        #expect(reg.s2sz == 48)
    }

    @Test("other indices read zero with RMI_SUCCESS", arguments: [2, 3, 4, 5, ~0] as [UInt64])
    func otherIndices(index: UInt64) {
        #expect(Harness(activate: false).smc(.features, index) == SMCReturn(0))
    }
}
