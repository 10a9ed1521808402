import CCAArch
import CCAPlatform
import Testing

@testable import rmm

/// Every `--pa-bits` value the tool advertises, end to end: bring-up, delegation and the map.
@Suite("Physical address sizes")
struct PhysicalAddressSizeTests {
    /// DRAM at 2 GiB and in the last gigabyte of the address space, so both ends of it are exercised; at 52 bits
    /// the last gigabyte is where EL3's L1 tables would otherwise go.
    static func options(_ bits: Int) -> [String] {
        let top: UInt64 = 1 << UInt64(bits)
        let high = top - (1 << 30)
        return [
            "--pa-bits", "\(bits)", "--dram", "0x80000000:1GiB", "--dram", "0x\(String(high, radix: 16)):1GiB",
            "--mmio", "0:0x10000000",
        ]
    }

    @Test(
        "host.init, a 2 MiB delegation at each end of the address space and the map work at every PA size",
        arguments: PlatformConfiguration.supportedPhysicalAddressBits)
    func endToEnd(bits: Int) throws {
        #expect([32, 36, 40, 42, 44, 48, 52] == PlatformConfiguration.supportedPhysicalAddressBits)
        let (machine, host) = try PlatformOptions.parse(Self.options(bits)).machine()
        let high = (UInt64(1) << UInt64(bits)) - (1 << 30)
        let highHex = "0x" + String(high, radix: 16)
        let scenario = """
            {"op":"host.init","expect":{"ok":true}}
            {"op":"host.delegate","base":"0x80000000","size":"0x200000","expect":{"ok":true,"top":"0x80200000"}}
            {"op":"host.delegate","base":"\(highHex)","size":"0x200000","expect":{"ok":true}}
            {"op":"granule","pa":"0x801ff000","expect":{"state":"DELEGATED","gpi":"REALM"}}
            {"op":"granule","pa":"\(highHex)","expect":{"state":"DELEGATED","gpi":"REALM"}}
            {"op":"check","expect":{"ok":true}}
            """
        let report = ScenarioRunner(session: ServeSession(machine: machine, host: host)).run(scenario)
        #expect(report.failures.isEmpty, "\(report.failures)")
        let runs = PASMap(machine: machine).regions.flatMap(\.runs)
        #expect(runs.contains { $0.base == 0x8000_0000 && $0.top == 0x8020_0000 && $0.gpi == .realm })
        #expect(runs.contains { $0.base == high && $0.top == high + 0x20_0000 && $0.gpi == .realm })
    }

    @Test("at 52 bits EL3's L1 tables go below 2^52, in the highest gap no region uses")
    func l1TablesAt52Bits() throws {
        let (machine, _) = try PlatformOptions.parse(Self.options(52)).machine()
        let high: UInt64 = (1 << 52) - (1 << 30)
        var addresses: [UInt64] = []
        for index in 0..<machine.gpt.l0EntryCount {
            if case .table(let l1Address)? = machine.gpt.l0Descriptor(at: index) {
                addresses.append(l1Address.rawValue)
            }
        }
        #expect(addresses.count == 2)
        for address in addresses {
            #expect(address < high, "below the DRAM region at the top")
            #expect(address + machine.gpt.l1TableBytes <= high)
            #expect(address >= 0xC000_0000)
        }
    }
}
