import CCAArch
import CCAPlatform
import GranuleProtection

/// How the GPT describes a stretch of the physical address space.
enum GPTDescriptorKind: Hashable {
    /// An L0 Block descriptor: one GPI for the whole L0 region.
    case l0Block
    /// L1 Contiguous descriptors of one block size.
    case contiguous(GPTContiguousSize)
    /// L1 Granules descriptors: one GPI per granule.
    case granules
    /// Beyond the protected physical address size, or an unreadable descriptor.
    case none

    var name: String {
        switch self {
        case .l0Block: "L0 block"
        case .contiguous(.size2MB): "contiguous 2MB"
        case .contiguous(.size32MB): "contiguous 32MB"
        case .contiguous(.size512MB): "contiguous 512MB"
        case .granules: "granules"
        case .none: "none"
        }
    }
}

/// A stretch of one memory region with one GPI, one kind of descriptor and one RMM granule state.
struct PASRun: Hashable {
    var base: UInt64
    var top: UInt64
    var gpi: GPI?
    var descriptor: GPTDescriptorKind
    /// The RMM's state of every granule in the run; `nil` where the RMM tracks nothing (device memory, or DRAM
    /// the RMM does not track).
    var state: GranuleState?

    /// Whether the run holds realm objects or other RMM-owned granules (drawn in their own colours).
    var holdsObjects: Bool {
        guard let state else { return false }
        return state != .undelegated && state != .delegated
    }
}

/// One named region of the layout (clipped to the range shown) and its runs.
struct PASRegion {
    var name: String
    var base: UInt64
    var top: UInt64
    var runs: [PASRun]
}

/// The physical address space coloured by GPI and RMM state, read from the GPT the way the hardware walks it and
/// from the RMM's granule table.
struct PASMap {
    var regions: [PASRegion]
    /// The range shown: the whole layout, or what `--range` asked for.
    var range: ClosedRange<UInt64>?

    /// The map of `machine`; with `range`, only `[range.base, range.top)` of the regions that meet it.
    init(machine: Machine, range: (base: UInt64, top: UInt64)? = nil) {
        let configuration = machine.configuration
        var named: [(String, UInt64, UInt64)] = configuration.dramRegions.map {
            ($0.name, $0.base.rawValue, $0.base.rawValue + $0.size)
        }
        named += configuration.mmioRegions.map { ($0.name, $0.base.rawValue, $0.base.rawValue + $0.size) }
        named.sort { $0.1 < $1.1 }
        if let range {
            named = named.compactMap { name, base, top in
                let clippedBase = max(base, range.base)
                let clippedTop = min(top, range.top)
                return clippedBase < clippedTop ? (name, clippedBase, clippedTop) : nil
            }
            self.range = range.base...(range.top - 1)
        } else {
            self.range = nil
        }
        let states = Self.stateRuns(machine)
        let untrackedDRAM: GranuleState? = machine.rmm.lifecycleState == .active ? nil : .undelegated
        regions = named.map { name, base, top in
            let isDRAM = configuration.dramRegions.contains { $0.name == name }
            let gptRuns = Self.runs(machine.gpt, base, top)
            let runs = Self.split(gptRuns, by: states, untracked: isDRAM ? untrackedDRAM : nil)
            return PASRegion(name: name, base: base, top: top, runs: runs)
        }
    }

    /// The RMM's granule states as `[base, top)` runs of one state, ascending.
    static func stateRuns(_ machine: Machine) -> [(base: UInt64, top: UInt64, state: GranuleState)] {
        var runs: [(base: UInt64, top: UInt64, state: GranuleState)] = []
        machine.rmm.forEachGranuleRun { base, size, info in
            if let last = runs.last, last.top == base.rawValue, last.state == info.state {
                runs[runs.count - 1].top += size
            } else {
                runs.append((base.rawValue, base.rawValue + size, info.state))
            }
        }
        return runs
    }

    /// Splits GPT runs where the RMM state changes; stretches no state run covers get `untracked`.
    static func split(
        _ gptRuns: [PASRun], by states: [(base: UInt64, top: UInt64, state: GranuleState)], untracked: GranuleState?
    ) -> [PASRun] {
        var result: [PASRun] = []
        func append(_ run: PASRun) {
            if var last = result.last, last.top == run.base, last.gpi == run.gpi, last.descriptor == run.descriptor,
                last.state == run.state
            {
                last.top = run.top
                result[result.count - 1] = last
            } else {
                result.append(run)
            }
        }
        // The first state run that may overlap the current GPT run: both lists ascend, so it only moves forward.
        var first = 0
        for run in gptRuns {
            while first < states.count && states[first].top <= run.base { first += 1 }
            var cursor = run.base
            var index = first
            while cursor < run.top {
                var piece = run
                piece.base = cursor
                if index < states.count && states[index].base <= cursor {
                    piece.top = min(run.top, states[index].top)
                    piece.state = states[index].state
                    index += 1
                } else {
                    piece.top = min(run.top, index < states.count ? states[index].base : run.top)
                    piece.state = untracked
                }
                append(piece)
                cursor = piece.top
            }
        }
        return result
    }

    /// Walks [base, top) a descriptor at a time: a Block or Contiguous descriptor in one step, a Granules
    /// descriptor sixteen granules at a time.
    static func runs(_ gpt: GranuleProtectionTable, _ base: UInt64, _ top: UInt64) -> [PASRun] {
        var runs: [PASRun] = []
        let granule = gpt.granuleSize.bytes
        func append(_ from: UInt64, _ to: UInt64, _ gpi: GPI?, _ kind: GPTDescriptorKind) {
            let to = min(to, top)
            if var last = runs.last, last.top == from, last.gpi == gpi, last.descriptor == kind {
                last.top = to
                runs[runs.count - 1] = last
            } else {
                runs.append(PASRun(base: from, top: to, gpi: gpi, descriptor: kind))
            }
        }
        var pa = base
        while pa < top {
            let address = PhysicalAddress(pa)
            guard let index = gpt.l0Index(of: address), let l0 = gpt.l0Descriptor(at: index) else {
                append(pa, top, nil, .none)
                break
            }
            let regionTop = gpt.l0RegionBase(index).rawValue + gpt.l0RegionSize.bytes
            switch l0 {
            case .block(let gpi):
                append(pa, regionTop, gpi, .l0Block)
                pa = regionTop
            case .table:
                switch gpt.l1Descriptor(at: address) {
                case .contiguous(let gpi, let size)?:
                    let blockTop = (pa & ~(size.bytes - 1)) + size.bytes
                    append(pa, blockTop, gpi, .contiguous(size))
                    pa = blockTop
                case .granules(let word)?:
                    let wordBase = pa & ~(granule * 16 - 1)
                    for i in 0..<16 {
                        let granuleBase = wordBase + UInt64(i) * granule
                        guard granuleBase >= pa, granuleBase < top else { continue }
                        append(granuleBase, granuleBase + granule, word[i], .granules)
                    }
                    pa = wordBase + granule * 16
                case nil:
                    append(pa, pa + granule, nil, .none)
                    pa += granule
                }
            }
        }
        return runs
    }

    /// The map as text: a header row, then per region a line and one line per run, in lowercase hexadecimal.
    func text() -> String {
        var out = ""
        if let range {
            out += "range [\(lowercaseHex(range.lowerBound)), \(lowercaseHex(range.upperBound &+ 1)))\n"
        }
        out += "  \(pad("base", 14)) \(pad("top", 14)) \(pad("size", 10)) \(pad("gpi", 10)) \(pad("state", 12)) "
        out += "descriptor\n"
        for region in regions {
            out += "\(region.name)  [\(lowercaseHex(region.base)), \(lowercaseHex(region.top)))  "
            out += "\(byteSize(region.top - region.base))\n"
            for run in region.runs {
                let gpi = run.gpi?.name ?? "-"
                let state = run.state.map { "\($0.name)" } ?? "-"
                out += "  \(pad(lowercaseHex(run.base), 14)) \(pad(lowercaseHex(run.top), 14)) "
                out += "\(pad(byteSize(run.top - run.base), 10)) \(pad(gpi, 10)) \(pad(state, 12)) "
                out += "\(run.descriptor.name)\n"
            }
        }
        return out
    }
}

/// A byte count in the largest binary unit that divides it, e.g. `2 GiB`, `12 KiB`, `4097 B`.
func byteSize(_ bytes: UInt64) -> String {
    for (shift, unit) in [(50, "PiB"), (40, "TiB"), (30, "GiB"), (20, "MiB"), (10, "KiB")]
    where bytes >= 1 << UInt64(shift) {
        let value = Double(bytes) / Double(UInt64(1) << UInt64(shift))
        return value == value.rounded() ? "\(Int(value)) \(unit)" : "\(String(format2: value)) \(unit)"
    }
    return "\(bytes) B"
}

extension String {
    /// A value with two decimals, without Foundation's formatting.
    init(format2 value: Double) {
        let hundredths = Int((value * 100).rounded())
        let fraction = hundredths % 100
        self = "\(hundredths / 100).\(fraction < 10 ? "0" : "")\(fraction)"
    }
}
