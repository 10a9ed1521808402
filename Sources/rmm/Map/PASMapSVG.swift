import CCAArch

extension PASMap {
    /// The fill colour of a GPI.
    static func colour(_ gpi: GPI?) -> String {
        switch gpi?.rawValue {
        case GPI.nonSecure.rawValue: "#4e79a7"
        case GPI.realm.rawValue: "#e15759"
        case GPI.secure.rawValue: "#59a14f"
        case GPI.root.rawValue: "#b07aa1"
        case GPI.any.rawValue: "#edc948"
        case GPI.noAccess.rawValue: "#bab0ac"
        default: "#ffffff"
        }
    }

    /// The colour of the descriptor strip under each bar: how the GPT describes the memory.
    static func colour(_ kind: GPTDescriptorKind) -> String {
        switch kind {
        case .l0Block: "#333333"
        case .contiguous(.size512MB): "#76b7b2"
        case .contiguous(.size32MB): "#9c755f"
        case .contiguous(.size2MB): "#ff9da7"
        case .granules: "#f28e2b"
        case .none: "#ffffff"
        }
    }

    /// The map as an SVG picture: one bar per region, coloured by GPI, with a strip beneath showing the
    /// descriptors (L0 block, contiguous 512MB / 32MB / 2MB, granules), and a legend.
    func svg() -> String {
        let width = 960.0
        let left = 150.0
        let barWidth = width - left - 20
        let rowHeight = 56.0
        let height = 80 + Double(regions.count) * rowHeight + 90
        var out = """
            <?xml version="1.0" encoding="UTF-8"?>
            <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" \
            font-family="monospace" font-size="12">
            <title>Physical address space by GPI</title>
            <rect width="100%" height="100%" fill="#ffffff"/>
            <text x="20" y="30" font-size="16">Physical address space by GPI (swift-rmm)</text>

            """
        for (row, region) in regions.enumerated() {
            let y = 60 + Double(row) * rowHeight
            let size = Double(region.top - region.base)
            out += "<g class=\"region\" id=\"\(region.name)\">\n"
            out += "<text x=\"20\" y=\"\(y + 14)\">\(region.name)</text>\n"
            out +=
                "<text x=\"20\" y=\"\(y + 28)\" font-size=\"10\">\(hex(region.base)) \(byteSize(region.top - region.base))</text>\n"
            for run in region.runs {
                let x = left + Double(run.base - region.base) / size * barWidth
                let w = max(0.5, Double(run.top - run.base) / size * barWidth)
                let tip = "\(hex(run.base))-\(hex(run.top)) \(run.gpi?.name ?? "-") \(run.descriptor.name)"
                out += "<rect class=\"run\" data-gpi=\"\(run.gpi?.name ?? "-")\" x=\"\(x)\" y=\"\(y)\" width=\"\(w)\" "
                out += "height=\"24\" fill=\"\(Self.colour(run.gpi))\"><title>\(tip)</title></rect>\n"
                out += "<rect class=\"descriptor\" data-kind=\"\(run.descriptor.name)\" x=\"\(x)\" y=\"\(y + 26)\" "
                out += "width=\"\(w)\" height=\"6\" fill=\"\(Self.colour(run.descriptor))\"/>\n"
            }
            out += "</g>\n"
        }
        var legendY = 60 + Double(regions.count) * rowHeight + 10
        let gpis: [GPI] = [.nonSecure, .realm, .secure, .root, .noAccess]
        for (i, gpi) in gpis.enumerated() {
            let x = 20 + Double(i) * 130
            out += "<rect x=\"\(x)\" y=\"\(legendY)\" width=\"14\" height=\"14\" fill=\"\(Self.colour(gpi))\"/>"
            out += "<text x=\"\(x + 20)\" y=\"\(legendY + 12)\">\(gpi.name)</text>\n"
        }
        legendY += 26
        let kinds: [GPTDescriptorKind] = [
            .l0Block, .contiguous(.size512MB), .contiguous(.size32MB),
            .contiguous(.size2MB), .granules,
        ]
        for (i, kind) in kinds.enumerated() {
            let x = 20 + Double(i) * 150
            out += "<rect x=\"\(x)\" y=\"\(legendY + 4)\" width=\"14\" height=\"6\" fill=\"\(Self.colour(kind))\"/>"
            out += "<text x=\"\(x + 20)\" y=\"\(legendY + 12)\">\(kind.name)</text>\n"
        }
        out += "</svg>\n"
        return out
    }
}
