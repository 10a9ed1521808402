import CCAArch
import Testing

@testable import RMM

private let base: UInt64 = 0x8000_0000
private let g = Harness.g

@Suite("RMI dispatch")
struct DispatchTests {
    @Test("an unknown function ID answers SMCCC NOT_SUPPORTED (-1)", arguments: [UInt64(0xC400_0151), 0x8400_0000, 0])
    func unknown(fid: UInt64) {
        let h = Harness()
        #expect(h.rmm.handle(SMCArguments(fid), cpu: 0) == .notSupported)
    }

    @Test("an RMI v2.0 command the model does not implement answers RMI_ERROR_NOT_SUPPORTED")
    func notModelled() {
        let h = Harness()
        for command in FunctionID.rmiCommands where RealmManagementMonitor.command(command.id) == nil {
            #expect(h.smc(command.id) == .result(.errorNotSupported))
        }
    }

    @Test("the command table names each implemented command once, in function ID order, with a section")
    func table() {
        let rows = RealmManagementMonitor.commands
        #expect(rows.count == 28)
        #expect(zip(rows, rows.dropFirst()).allSatisfy { $0.id < $1.id })
        for row in rows {
            #expect(RealmManagementMonitor.command(row.id)?.id == row.id)
            #expect(row.id.rmiCommand != nil && "\(row.section)".count > 0)
        }
    }

    @Test("a command gated on ACTIVE answers RMI_ERROR_GLOBAL in INIT and changes nothing")
    func activeGateInInit() {
        let h = Harness(activate: false)
        for row in RealmManagementMonitor.commands where row.gate == .active {
            #expect(h.smc(row.id, base, base + g, base + 2 * g) == .result(.errorGlobal), "\(row.name)")
        }
        #expect(h.rmm.lifecycleState == .initial)
        #expect(h.smc(.rmmActivate) == .result(.success))
    }

    @Test("a command gated on INIT answers RMI_ERROR_GLOBAL once the RMM is ACTIVE")
    func initGateInActive() {
        let h = Harness()
        for row in RealmManagementMonitor.commands where row.gate == .initial {
            #expect(h.smc(row.id, base) == .result(.errorGlobal), "\(row.name)")
        }
    }

    @Test(
        "bet3 4: an OP_* command has no state gate: an unknown handle answers RMI_ERROR_INPUT in INIT",
        arguments: [FunctionID.opContinue, .opMemDonate, .opMemReclaim, .opCancel])
    func operationCommandsUngated(id: FunctionID) {
        let h = Harness(activate: false)
        #expect(h.smc(id, 0x1234) == .result(.errorInput))
        #expect(h.rmm.lifecycleState == .initial)
    }

    @Test("bet3 4: RMI_GPT_INFO answers in INIT")
    func gptInfoUngated() {
        let h = Harness(activate: false)
        let answer = h.smc(.gptInfo, 0, 1 << 30)
        #expect(answer.x0 == RMIResult(.success).rawValue && answer.x1 == 1 << 30)
    }

    @Test("the RMM takes X0 as its dispatcher delivers it: the SVE hint is the router's to clear")
    func sveHintIsTheRoutersJob() {
        let h = Harness()
        let hinted = FunctionID(FunctionID.version.rawValue | FunctionID.sveHintBit)
        #expect(h.rmm.handle(SMCArguments(hinted.rawValue, 0x2_0000), cpu: 0) == .notSupported)
        #expect(
            h.rmm.handle(SMCArguments(FunctionID(dispatching: hinted.rawValue).rawValue, 0x2_0000), cpu: 0)
                == SMCReturn(0, 0x2_0000, 0x2_0000))
    }
}
