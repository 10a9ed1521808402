import ArgumentParser
import Verification

extension CheckHostCommand {
    /// `rmm check host --c-library LIB --symbol NAME --shape SHAPE --operation OP`: exits 0 clean, 1 on a
    /// violation, 2 on bad input (one line on standard error).
    func runCLibrary() throws {
        let function: CHostFunction
        do {
            function = try cFunction()
        } catch let error as CHostInputError {
            throw Self.badInput(error.message)
        } catch let error as CHostError {
            throw Self.badInput(error.description)
        }
        let search: ExplorationMode.Search =
            random.map { .random(seed: seed, schedules: $0) } ?? .exhaustive(memoise: false)
        let mode = ExplorationMode(search: search, answers: forbidden ? .includingForbidden : .specCompliant)
        let report: CExplorationReport
        var bar = ProgressBar(function.symbol, total: 1000)
        do {
            report = try CFunctionExplorer.run(function, bounds: bounds, mode: mode) { progress in
                bar.update(Int(progress.fractionDone * 1000))
            }
        } catch {
            bar.finish()
            throw Self.badInput(error.description)
        }
        bar.finish()
        print(Self.render(report, library: function.library.path))
        if !report.isClean { throw ExitCode.failure }
    }

    private struct CHostInputError: Error {
        let message: String
    }

    private func cFunction() throws -> CHostFunction {
        guard let cLibrary else { throw CHostInputError(message: "--symbol, --shape and --operation need --c-library") }
        guard let symbol else { throw CHostInputError(message: "--c-library needs --symbol NAME") }
        guard let shapeName = shape, let shape = CHostFunction.Shape(rawValue: shapeName) else {
            throw CHostInputError(
                message: "--c-library needs --shape linux-range or linux-range-out"
                    + (shape.map { " (not \($0))" } ?? ""))
        }
        guard let operationName = operation, let operation = CHostFunction.Operation(rawValue: operationName) else {
            throw CHostInputError(
                message: "--c-library needs --operation delegate or undelegate"
                    + (self.operation.map { " (not \($0))" } ?? ""))
        }
        let library = try CHostLibrary(path: cLibrary)
        return try CHostFunction(library: library, symbol: symbol, shape: shape, operation: operation)
    }

    /// Prints `error: message` on standard error; the exit code for bad input.
    private static func badInput(_ message: String) -> ExitCode {
        StandardStreams.diagnose("error: \(message)")
        return ExitCode(2)
    }

    /// The summary, the WARNs, then each counterexample as a story.
    static func render(_ report: CExplorationReport, library: String) -> String {
        let bounds = report.bounds
        let search =
            switch report.mode.search {
            case .exhaustive: "every schedule"
            case .random(let seed, let schedules): "\(schedules) random schedules (seed \(seed))"
            }
        let answers =
            report.mode.answers == .specCompliant
            ? "answers the specification allows" : "answers the specification allows and forbids (--forbidden)"
        let start = report.operation == .delegate ? "starts Non-secure" : "starts delegated"
        let seconds = Double(report.elapsed.components.seconds) + Double(report.elapsed.components.attoseconds) / 1e18
        var lines = [
            "C function \(report.call) from \(library) (shape \(report.shape.rawValue), "
                + "\(report.operation.rawValue) of a \(bounds.granules)-granule range that \(start))",
            "  explored: \(search), up to \(bounds.choiceDepth) chosen answers each (--depth), \(answers)",
            "  SMC bound \(report.smcBound): \(bounds.granules) x \(bounds.attemptBudget) x "
                + "(\(bounds.continuationBudget) + 2), the bound RMIHost's helpers meet with --busy-retries "
                + "\(bounds.attemptBudget - 1) and --continuations \(bounds.continuationBudget)",
            "  ran \(report.schedulesRun) schedules, \(report.smcsAnswered) SMCs, in \(String(format2: seconds)) s "
                + "(\(Int(report.schedulesPerSecond)) schedules/s)",
        ]
        for warning in report.warnings {
            lines.append("  WARN \(warning.site) fired in \(warning.runs) run\(warning.runs == 1 ? "" : "s")")
        }
        lines.append(
            report.violations.isEmpty
                ? "  result: no violation"
                : "  result: \(report.violations.count) kind\(report.violations.count == 1 ? "" : "s") of violation")
        for (index, violation) in report.violations.enumerated() {
            lines.append("")
            lines += CounterexampleStory.lines(
                violation, number: index + 1, of: report.violations.count,
                runs: report.violatingRuns[violation.key] ?? 0, helper: .delegate)
        }
        return lines.joined(separator: "\n")
    }
}
