import CCAArch
import CCAPlatform
import Testing
import Verification

@Suite("C host code against the platform, through the host view of DRAM")
struct CHostPlatformRunnerTests {
    static let source = """
        int write_first(phys_addr_t base, unsigned long size) {
            char *linear = phys_to_virt(base);
            linear[8] = 0x5a;
            return 0;
        }
        int delegate(phys_addr_t base, unsigned long size, phys_addr_t *out_top) {
            struct arm_smccc_res res;
            arm_smccc_1_1_invoke(SMC_RMI_GRANULE_RANGE_DELEGATE, base, base + size, &res);
            *out_top = res.a1;
            return (int)res.a0;
        }
        int undelegate(phys_addr_t base, unsigned long size, phys_addr_t *out_top) {
            struct arm_smccc_res res;
            arm_smccc_1_1_invoke(SMC_RMI_GRANULE_RANGE_UNDELEGATE, base, base + size, &res);
            *out_top = res.a1;
            return (int)res.a0;
        }
        int touch(phys_addr_t base, unsigned long size) {
            volatile char *linear = phys_to_virt(base + 8);
            return *linear;
        }
        int own_page(phys_addr_t base, unsigned long size) {
            struct page *page = alloc_page(GFP_KERNEL | __GFP_ZERO);
            int right = page && page_to_phys(page) == base && *(char *)page_address(page) == 0;
            __free_page(page);
            return right ? 0 : 1;
        }
        """

    static func machine() throws -> Machine {
        var configuration = PlatformConfiguration.default
        configuration.hostView = true
        let machine = try Machine(configuration: configuration)
        try machine.host().initialize()
        return machine
    }

    @Test("C code writes DRAM through phys_to_virt with no copy, and faults at the PA of a delegated granule")
    func pointersAndFaults() throws {
        let machine = try Self.machine()
        let view = try #require(machine.resources.memory.hostView)
        let library = try CHostLibrary(path: try CLibraryBuilder.build(Self.source))
        let pages = GranuleRange(
            uncheckedBase: PhysicalAddress(0x8200_0000), top: PhysicalAddress(0x8201_0000), granuleSize: .size4KB)
        let runner = try CHostPlatformRunner(machine: machine, library: library, pages: pages)
        let base: UInt64 = 0x8100_0000
        #expect(
            try runner.callRange("write_first", shape: .linuxRange, base: base, size: 0x4000)
                == .returned(ret: 0, outTop: nil))
        #expect(try machine.resources.memory.rawRead(PhysicalAddress(base + 8), count: 1).get() == [0x5a])
        #expect(
            try runner.callRange("touch", shape: .linuxRange, base: base, size: 0x4000)
                == .returned(ret: 0x5a, outTop: nil))

        let changesBefore = view.protectionChanges
        #expect(
            try runner.callRange("delegate", shape: .linuxRangeOut, base: base, size: 0x4000)
                == .returned(ret: 0, outTop: base + 0x4000))
        // Four granules delegated in one EL3 call: one mprotect.
        #expect(view.protectionChanges == changesBefore + 1)
        #expect(
            try runner.callRange("touch", shape: .linuxRange, base: base, size: 0x4000)
                == .granuleProtectionFault(pa: base + 8))

        #expect(
            try runner.callRange("undelegate", shape: .linuxRangeOut, base: base, size: 0x4000)
                == .returned(ret: 0, outTop: base + 0x4000))
        // Scrubbed on its way back to Non-secure, and accessible again.
        #expect(
            try runner.callRange("touch", shape: .linuxRange, base: base, size: 0x4000)
                == .returned(ret: 0, outTop: nil))
    }

    @Test("pages come from the Non-secure range set aside, zeroed on request")
    func pages() throws {
        let machine = try Self.machine()
        let library = try CHostLibrary(path: try CLibraryBuilder.build(Self.source))
        let pages = GranuleRange(
            uncheckedBase: PhysicalAddress(0x8300_0000), top: PhysicalAddress(0x8300_2000), granuleSize: .size4KB)
        let runner = try CHostPlatformRunner(machine: machine, library: library, pages: pages)
        #expect(
            try runner.callRange("own_page", shape: .linuxRange, base: 0x8300_0000, size: 0)
                == .returned(ret: 0, outTop: nil))
    }

    @Test("a platform without a host view is refused")
    func noHostView() throws {
        let machine = try Machine()
        let library = try CHostLibrary(path: try CLibraryBuilder.build(Self.source))
        let pages = GranuleRange(
            uncheckedBase: PhysicalAddress(0x8300_0000), top: PhysicalAddress(0x8300_2000), granuleSize: .size4KB)
        #expect(throws: CHostError.noHostView) {
            try CHostPlatformRunner(machine: machine, library: library, pages: pages)
        }
    }
}
