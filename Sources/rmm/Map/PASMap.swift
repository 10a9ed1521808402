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

/// A stretch of one memory region with one GPI and one kind of descriptor.
struct PASRun: Hashable {
    var base: UInt64
    var top: UInt64
    var gpi: GPI?
    var descriptor: GPTDescriptorKind
}

/// One named region of the layout and its runs.
struct PASRegion {
    var name: String
    var base: UInt64
    var top: UInt64
    var runs: [PASRun]
}

/// The physical address space coloured by GPI, read from the GPT the way the hardware walks it.
struct PASMap {
    var regions: [PASRegion]

    init(machine: Machine) {
        let configuration = machine.configuration
        var named: [(String, UInt64, UInt64)] = configuration.dramRegions.map {
            ($0.name, $0.base.rawValue, $0.base.rawValue + $0.size)
        }
        named += configuration.deviceRegions.map { ($0.name, $0.base.rawValue, $0.base.rawValue + $0.size) }
        named.sort { $0.1 < $1.1 }
        regions = named.map { PASRegion(name: $0.0, base: $0.1, top: $0.2, runs: Self.runs(machine.gpt, $0.1, $0.2)) }
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

    /// The map as text: one line per run.
    func text() -> String {
        var out = ""
        for region in regions {
            out += "\(region.name)  [\(hex(region.base)), \(hex(region.top)))  \(byteSize(region.top - region.base))\n"
            for run in region.runs {
                let gpi = run.gpi?.name ?? "-"
                out += "  \(pad(hex(run.base), 14)) \(pad(hex(run.top), 14)) \(pad(byteSize(run.top - run.base), 10))"
                out += " \(pad(gpi, 10)) \(run.descriptor.name)\n"
            }
        }
        return out
    }
}

/// A byte count in the largest binary unit that divides it, e.g. `2 GiB`, `12 KiB`, `4097 B`.
func byteSize(_ bytes: UInt64) -> String {
    for (shift, unit) in [(40, "TiB"), (30, "GiB"), (20, "MiB"), (10, "KiB")] where bytes >= 1 << UInt64(shift) {
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
