import CCAArch
import Testing

@testable import RMM

private let base: UInt64 = 0x8000_0000
private let g = Harness.g

@Suite("RMI_VERSION (B4.5.92)")
struct VersionTests {
    @Test("a request for 2.0 succeeds with lower = 2.0 and higher = 2.0")
    func supported() {
        #expect(Harness(activate: false).smc(.version, 0x2_0000) == SMCReturn(0, 0x2_0000, 0x2_0000))
    }

    @Test(
        "any other revision answers RMI_ERROR_INPUT with lower = higher = 2.0",
        arguments: [0x1_0000, 0x2_0001, 0x3_0000, 0, 1 << 31 | 0x2_0000, ~0] as [UInt64])
    func unsupported(request: UInt64) {
        #expect(Harness(activate: false).smc(.version, request) == SMCReturn(1, 0x2_0000, 0x2_0000))
    }
}
