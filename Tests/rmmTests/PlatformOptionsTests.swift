import CCAArch
import CCAPlatform
import Testing

@testable import rmm

@Suite("Platform options")
struct PlatformOptionsTests {
    @Test("--host-l1-tables leaves DRAM as GPT Blocks until host.init creates the tables with RMI_GPT_L1_CREATE")
    func hostCreatedL1Tables() throws {
        let (machine, host) = try PlatformOptions.parse(["--host-l1-tables"]).machine()
        #expect(machine.configuration.hostCreatedL1Tables)
        #expect(machine.gpt.l1Descriptor(at: PhysicalAddress(0x8000_0000)) == nil)
        // RMI_GPT_INFO of DRAM0's first region: X2 = 3 (HOST_CREATED) once the host has brought the RMM up. The
        // tables themselves come from the host's allocator (DRAM0's first pages), so delegate DRAM1.
        let scenario = """
            {"op":"host.init","expect":{"ok":true}}
            {"op":"smc","x":["0xc4000211","0x80000000","0xc0000000"],"expect":{"x":["0x0","0xc0000000","0x3","0x0","0x0"]}}
            {"op":"host.delegate","base":"0x880000000","size":"0x200000","expect":{"ok":true}}
            """
        let report = ScenarioRunner(session: ServeSession(machine: machine, host: host)).run(scenario)
        #expect(report.failures.isEmpty, "\(report.failures)")
        #expect(host.info?.createdL1Tables.count == 4)
    }

    @Test("--tracking-region 2MiB makes the host bring-up configure 2 MB tracking regions; 4MiB is refused")
    func trackingRegion() throws {
        let (machine, host) = try PlatformOptions.parse(["--tracking-region", "2MiB", "--activate"]).machine()
        #expect(machine.rmm.trackingRegionSize == 2 << 20)
        #expect(host.configuration.trackingRegionSizeEncoding == 1)
        #expect(try PlatformOptions.parse(["--activate"]).machine().0.rmm.trackingRegionSize == 1 << 30)
        #expect {
            _ = try PlatformOptions.parse(["--tracking-region", "4MiB"]).configuration()
        } throws: { error in
            "\(error)".contains(
                "unsupported tracking region size 0x400000 for 4 KiB granules (supported: 0x40000000, 0x200000)")
        }
    }

    @Test("--tracking-metadata donated: regions start COARSE, host.init makes them FINE; other values are refused")
    func trackingMetadata() throws {
        let (machine, host) = try PlatformOptions.parse(["--tracking-metadata", "donated"]).machine()
        #expect(machine.configuration.trackingMetadata == .donated)
        let scenario = """
            {"op":"host.init","expect":{"ok":true}}
            {"op":"smc","x":["0xc40001e1","0x80000000","0x100000000"],"expect":{"x":["0x0","0x0","0x2","0x100000000","0x0"]}}
            {"op":"granule","pa":"0x80000000","expect":{"state":"INTERNAL","gpi":"REALM"}}
            {"op":"host.delegate","base":"0x880000000","size":"0x200000","expect":{"ok":true}}
            {"op":"check","expect":{"ok":true}}
            """
        let report = ScenarioRunner(session: ServeSession(machine: machine, host: host)).run(scenario)
        #expect(report.failures.isEmpty, "\(report.failures)")
        #expect(host.trackingMetadata.count == 4)
        #expect(
            try PlatformOptions.parse(["--tracking-metadata", "preallocated"]).configuration().trackingMetadata
                == .preallocated)
        #expect(try PlatformOptions.parse([]).configuration().trackingMetadata == .preallocated)
        #expect {
            _ = try PlatformOptions.parse(["--tracking-metadata", "host"]).configuration()
        } throws: { error in
            "\(error)".contains("--tracking-metadata must be preallocated or donated, not 'host'")
        }
    }

    @Test("--lock-contention spin reaches the RMM's manifest; busy is the default; other values are refused")
    func lockContention() throws {
        let (machine, _) = try PlatformOptions.parse(["--lock-contention", "spin"]).machine()
        #expect(machine.configuration.lockContention == .spin)
        #expect(machine.rmm.manifest.lockContention == .spin)
        #expect(try PlatformOptions.parse(["--lock-contention", "busy"]).configuration().lockContention == .busy)
        #expect(try PlatformOptions.parse([]).configuration().lockContention == .busy)
        #expect {
            _ = try PlatformOptions.parse(["--lock-contention", "wait"]).configuration()
        } throws: { error in
            "\(error)".contains("--lock-contention must be busy or spin, not 'wait'")
        }
    }

    @Test("--tracking-metadata donated with --host-l1-tables: host.init stops with a sentence, the machine consistent")
    func donatedMetadataWithHostL1Tables() throws {
        let (machine, host) = try PlatformOptions.parse(["--tracking-metadata", "donated", "--host-l1-tables"])
            .machine()
        let scenario = """
            {"op":"host.init","expect":{"ok":false,"error":"tracking","message":"making tracking region 0x80000000 FINE with donated metadata failed: RMI_ERROR_INPUT"}}
            {"op":"check","expect":{"ok":true}}
            """
        let report = ScenarioRunner(session: ServeSession(machine: machine, host: host)).run(scenario)
        #expect(report.failures.isEmpty, "\(report.failures)")
    }

    @Test("bet3 5: --el3-max-granules makes EL3 move a COARSE unit in pieces; host.delegate drives them, el3_busy too")
    func el3MaxGranules() throws {
        let (machine, host) = try PlatformOptions.parse(
            ["--el3-max-granules", "100", "--tracking-region", "2MiB", "--activate"]
        ).machine()
        #expect(machine.el3.maxGranulesPerCall == 100)
        #expect(try PlatformOptions.parse([]).configuration().el3MaxGranulesPerCall == nil)
        // The 2 MB region at 0x80400000 made COARSE; 512 granules at 100 per EL3 call: six SMCs, the last two of
        // them after el3_busy made one continuation wait.
        let scenario = """
            {"op":"smc","x":["0xc40001e3","0x80400000","0x0","0x3"],"expect":{"x":["0x0","0x0","0x0","0x0","0x0"]}}
            {"op":"inject","fault":"el3_busy","count":1,"expect":{"ok":true}}
            {"op":"host.delegate","base":"0x80400000","size":"0x200000","expect":{"ok":true,"top":"0x80600000"}}
            {"op":"granule","pa":"0x805ff000","expect":{"state":"DELEGATED","gpi":"REALM"}}
            {"op":"check","expect":{"ok":true}}
            """
        let report = ScenarioRunner(session: ServeSession(machine: machine, host: host)).run(scenario)
        #expect(report.failures.isEmpty, "\(report.failures)")
    }

    @Test("--el3-max-granules 0 is refused in a sentence; a value that is not a number is refused by the parser")
    func el3MaxGranulesRefused() {
        #expect {
            _ = try PlatformOptions.parse(["--el3-max-granules", "0"]).configuration()
        } throws: { error in
            "\(error)".contains("the EL3 limit (--el3-max-granules) must be at least one granule per call")
        }
        #expect(throws: (any Error).self) { _ = try PlatformOptions.parse(["--el3-max-granules", "-1"]) }
        #expect(throws: (any Error).self) { _ = try PlatformOptions.parse(["--el3-max-granules", "many"]) }
    }

    @Test("bet3 6: --dev-ncoh and --dev-coh declare tracked device memory banks; rmm map draws them")
    func deviceMemory() throws {
        let options = try PlatformOptions.parse([
            "--dev-ncoh", "0x100000000:4MiB", "--dev-coh", "0x140000000:2MiB", "--dev-ncoh", "0x180000000:2MiB",
            "--activate",
        ])
        let (machine, host) = try options.machine()
        let devices = machine.configuration.dramRegions.filter { $0.category != .conventional }
        #expect(devices.map(\.name) == ["DEV_NCOH0", "DEV_NCOH1", "DEV_COH0"])
        #expect(devices.map(\.category) == [.deviceNonCoherent, .deviceNonCoherent, .deviceCoherent])
        #expect(host.delegate(base: PhysicalAddress(0x1_4000_0000), size: 0x2000).succeeded)
        let text = PASMap(machine: machine).text()
        #expect(text.contains("DEV_COH0  [0x140000000, 0x140200000)  2 MiB\n"))
        #expect(text.contains("  0x140000000    0x140002000    8 KiB      REALM      DELEGATED    "))
        #expect(text.contains("DEV_NCOH1  [0x180000000, 0x180200000)  2 MiB\n"))
        #expect {
            _ = try PlatformOptions.parse(["--dram", "0x80000000:512MiB", "--dev-coh", "0xA0000000:2MiB"])
                .configuration()
        } throws: { error in
            "\(error)".contains("banks DRAM0 and DEV_COH0 hold different categories of memory")
        }
    }

    @Test("--host-view maps DRAM a second time, and a delegation changes it with one mprotect per run")
    func hostView() throws {
        let (machine, host) = try PlatformOptions.parse(["--host-view"]).machine()
        let view = try #require(machine.resources.memory.hostView)
        #expect(view.pointer(to: PhysicalAddress(0x8000_0000)) != nil)
        #expect(view.pointer(to: PhysicalAddress(0x1000_0000)) == nil)
        #expect(try PlatformOptions.parse([]).machine().0.resources.memory.hostView == nil)
        try host.initialize()
        let before = view.protectionChanges
        let outcome = host.delegate(base: PhysicalAddress(0x8800_0000), size: 64 << 20)
        #expect(outcome.top == PhysicalAddress(0x8800_0000 + (64 << 20)))
        #expect(view.protectionChanges == before + 1)
    }

    @Test("a bring-up that fails under --activate is explained in a sentence, not a Swift value dump")
    func activationFailureIsASentence() throws {
        let options = try PlatformOptions.parse(["--dram", "0x80000000:4K", "--host-l1-tables", "--activate"])
        do {
            _ = try options.machine()
            Issue.record("a 4 KiB machine cannot hold a 128 KiB L1 table, yet bring-up succeeded")
        } catch {
            let message = "\(error)"
            #expect(message.hasPrefix("host bring-up failed: RMI_GPT_L1_CREATE could not be completed: "), "\(message)")
            #expect(message.contains("the page allocator had no 128 KiB to give"))
            #expect(!message.contains("RMIHost.") && !message.contains("CCAArch.") && !message.contains("rawValue"))
        }
    }
}
