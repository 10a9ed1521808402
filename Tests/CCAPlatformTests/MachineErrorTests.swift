import CCAArch
import CCAPlatform
import GranuleProtection
import Testing

@Suite("MachineError: a platform that cannot be built is explained in a sentence")
struct MachineErrorTests {
    static let range = GranuleRange(
        uncheckedBase: PhysicalAddress(0x4000_0000), top: PhysicalAddress(0x8000_0000), granuleSize: .size4KB)

    static let gptErrors: [GPTConfigurationError] = [
        .reservedGPCCREncoding(GPCCR(rawValue: 0x7)), .ppsSmallerThanL0Region(GPCCR(rawValue: 0)),
        .invalidLockBlockShift(12), .regionNotL0Aligned(range), .regionOutOfRange(range), .regionsOverlap(range),
        .reservedGPI(GPI(rawValue: 0b0100)!), .l1BaseMisaligned(PhysicalAddress(1 << 52)),
        .granuleSizeMismatch(range),
    ]

    @Test("no GPT failure prints a Swift enum case or type name", arguments: gptErrors)
    func gptFailuresAreSentences(error: GPTConfigurationError) {
        let text = MachineError.gpt(error).description
        #expect(text.hasPrefix("cannot build the GPT: "))
        #expect(!text.contains("CCAArch") && !text.contains("rawValue") && !text.contains("GranuleRange("), "\(text)")
        #expect(!text.contains("\(error)"), "the case name itself is not the message: \(text)")
    }

    @Test("a misaligned L1 base names the address in hexadecimal and the 2^52 limit")
    func l1BaseMisalignedSentence() {
        let text = MachineError.gpt(.l1BaseMisaligned(PhysicalAddress(1 << 52))).description
        #expect(text.contains("0x10000000000000") && text.contains("2^52"), "\(text)")
    }

    @Test("a 52-bit platform builds: its L1 tables lie below 2^52")
    func fiftyTwoBits() throws {
        var configuration = PlatformConfiguration.default
        configuration.physicalAddressBits = 52
        let machine = try Machine(configuration: configuration)
        for index in 0..<machine.gpt.l0EntryCount {
            if case .table(let l1Address)? = machine.gpt.l0Descriptor(at: index) {
                #expect(l1Address.rawValue < 1 << 52)
            }
        }
    }
}
