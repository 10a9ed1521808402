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

    /// The colour of the descriptor strip under the GPI bar: how the GPT describes the memory.
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

    /// The granule states the RMM row shows, each in its own colour.
    static let objectStates: [GranuleState] = [.rd, .rdAux, .rtt, .rec, .recAux, .data, .gptL1, .partial, .internal]

    /// The colour of an RMM-owned granule in the RMM row.
    static func colour(_ state: GranuleState) -> String {
        switch state {
        case .rd: "#1b9e77"
        case .rdAux: "#a6cee3"
        case .rtt: "#d95f02"
        case .rec: "#7570b3"
        case .recAux: "#e7298a"
        case .data: "#66a61e"
        case .gptL1: "#e6ab02"
        case .partial: "#a6761d"
        case .internal: "#666666"
        default: "#ffffff"
        }
    }

    /// The hover text of a run: its addresses, size, GPI, RMM state and descriptor.
    static func hoverText(_ run: PASRun) -> String {
        "[\(lowercaseHex(run.base)), \(lowercaseHex(run.top))) \(byteSize(run.top - run.base)): "
            + "GPI \(run.gpi?.name ?? "none"), state \(run.state.map { "\($0.name)" } ?? "untracked"), "
            + "\(run.descriptor.name)"
    }

    /// The map as an SVG picture, to scale.
    ///
    /// Regions sit side by side on one linear address axis; a gap between regions is a fixed-width break marked
    /// with a zigzag and the size of the gap. Three rows: the GPI of every run, the GPT descriptors beneath it,
    /// and the granules the RMM holds as realm objects (RD, RTT, REC, REC_AUX, DATA), GPT L1 tables, PARTIAL
    /// or INTERNAL memory, each state in its own colour. A run too narrow to see is drawn
    /// `PASMapScale.minimumRunWidth` wide. Every rectangle carries hover text with its addresses, state and GPI.
    func svg() -> String {
        let width = 1200.0
        let left = 80.0
        let right = 20.0
        let scale = PASMapScale(
            regions: regions.map { ($0.base, $0.top) }, left: left, width: width - left - right)
        let barY = 78.0
        let barHeight = 40.0
        let descriptorY = barY + barHeight + 3
        let objectY = descriptorY + 12
        let axisY = objectY + 28
        let legendY = axisY + 70
        let height = legendY + 92
        var out = """
            <?xml version="1.0" encoding="UTF-8"?>
            <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" \
            font-family="DejaVu Sans Mono, monospace" font-size="11">
            <title>Physical address space: GPI, GPT descriptors and RMM granules</title>
            <rect width="100%" height="100%" fill="#ffffff"/>
            <text x="20" y="26" font-size="15">Physical address space to scale (swift-rmm)</text>

            """
        if let range {
            out += "<text x=\"20\" y=\"44\">range [\(lowercaseHex(range.lowerBound)), "
            out += "\(lowercaseHex(range.upperBound &+ 1)))</text>\n"
        }
        out += "<text x=\"20\" y=\"\(barY + 24)\">GPI</text>\n"
        out += "<text x=\"20\" y=\"\(descriptorY + 8)\" font-size=\"9\">GPT</text>\n"
        out += "<text x=\"20\" y=\"\(objectY + 12)\">RMM</text>\n"
        for (index, region) in regions.enumerated() {
            let segment = scale.segments[index]
            let labelY = barY - (index % 2 == 0 ? 6 : 20)
            out += "<g class=\"region\" id=\"\(region.name)\">\n"
            out += "<text x=\"\(format(segment.x + 1))\" y=\"\(labelY)\">\(region.name) "
            out += "\(byteSize(region.top - region.base))</text>\n"
            // Wide runs first, then the narrow ones widened to the minimum on top of them, so none is hidden.
            let ordered = region.runs.sorted { ($0.top - $0.base) > ($1.top - $1.base) }
            for run in ordered {
                let (x, w) = scale.span(run.base, run.top)
                let tip = Self.hoverText(run)
                out += "<rect class=\"run\" data-gpi=\"\(run.gpi?.name ?? "-")\" x=\"\(format(x))\" y=\"\(barY)\" "
                out += "width=\"\(format(w))\" height=\"\(barHeight)\" fill=\"\(Self.colour(run.gpi))\">"
                out += "<title>\(tip)</title></rect>\n"
                out += "<rect class=\"descriptor\" data-kind=\"\(run.descriptor.name)\" x=\"\(format(x))\" "
                out += "y=\"\(descriptorY)\" width=\"\(format(w))\" height=\"8\" "
                out += "fill=\"\(Self.colour(run.descriptor))\"><title>\(tip)</title></rect>\n"
            }
            for run in ordered where run.holdsObjects {
                let (x, w) = scale.span(run.base, run.top)
                out += "<rect class=\"object\" data-state=\"\(run.state.map { "\($0.name)" } ?? "-")\" "
                out += "x=\"\(format(x))\" y=\"\(objectY)\" width=\"\(format(w))\" height=\"16\" "
                out +=
                    "fill=\"\(Self.colour(run.state ?? .undelegated))\"><title>\(Self.hoverText(run))</title></rect>\n"
            }
            out += "</g>\n"
            let joinsNext = index + 1 < regions.count && regions[index + 1].base == region.top
            // A narrow region's end label would cover its base label; its size is in its name label anyway.
            out += axis(segment, y: axisY, even: index % 2 == 0, labelEnd: !joinsNext && segment.width >= 140)
            if segment.breakBefore {
                // Neighbouring breaks put their labels on alternate lines, so that they cannot overlap.
                out += axisBreak(
                    at: segment.x - PASMapScale.breakWidth, top: barY - 4, bottom: axisY,
                    labelY: axisY + (index % 2 == 0 ? 44 : 56), gap: region.base - regions[index - 1].top)
            }
        }
        out += legend(y: legendY)
        out += "</svg>\n"
        return out
    }

    /// The address axis under one region: a line, ticks at round addresses, and labels in lowercase hex.
    private func axis(_ segment: PASMapScale.Segment, y: Double, even: Bool, labelEnd: Bool) -> String {
        var out = "<g class=\"axis\">\n"
        out += "<line x1=\"\(format(segment.x))\" y1=\"\(y)\" x2=\"\(format(segment.x + segment.width))\" y2=\"\(y)\" "
        out += "stroke=\"#000000\"/>\n"
        let size = segment.top - segment.base
        // Ticks at multiples of a power of two, about 160 pixels apart; the region's ends always get a label.
        let wanted = max(1, Int(segment.width / 160))
        var step: UInt64 = 1
        while step < size / UInt64(wanted) && step < (1 << 62) { step <<= 1 }
        var ticks = [segment.base]
        var tick = (segment.base / step + 1) * step
        while tick < segment.top && segment.width > 0 {
            if Double(tick - segment.base) / Double(size) * segment.width > 60,
                Double(segment.top - tick) / Double(size) * segment.width > 60
            {
                ticks.append(tick)
            }
            tick += step
        }
        for (index, address) in ticks.enumerated() {
            let x = segment.x + Double(address - segment.base) / Double(size) * segment.width
            out += "<line x1=\"\(format(x))\" y1=\"\(y)\" x2=\"\(format(x))\" y2=\"\(y + 5)\" stroke=\"#000000\"/>\n"
            let labelY = y + (index == 0 && !even ? 30 : 17)
            out += "<text x=\"\(format(x))\" y=\"\(labelY)\" font-size=\"9\">\(lowercaseHex(address))</text>\n"
        }
        let end = segment.x + segment.width
        out += "<line x1=\"\(format(end))\" y1=\"\(y)\" x2=\"\(format(end))\" y2=\"\(y + 5)\" stroke=\"#000000\"/>\n"
        if labelEnd {
            out += "<text x=\"\(format(end))\" y=\"\(y + 30)\" font-size=\"9\" text-anchor=\"end\">"
            out += "\(lowercaseHex(segment.top))</text>\n"
        }
        out += "</g>\n"
        return out
    }

    /// A break in the axis for a gap of `gap` bytes: a zigzag across the rows and the gap's size.
    private func axisBreak(at x: Double, top: Double, bottom: Double, labelY: Double, gap: UInt64) -> String {
        let middle = x + PASMapScale.breakWidth / 2
        var points: [String] = []
        var y = top
        var side = -4.0
        while y < bottom {
            points.append("\(format(middle + side)),\(format(y))")
            y += 8
            side = -side
        }
        var out = "<g class=\"break\" data-gap=\"\(lowercaseHex(gap))\">"
        out += "<title>gap of \(byteSize(gap)) with no memory or device</title>\n"
        out += "<polyline points=\"\(points.joined(separator: " "))\" fill=\"none\" stroke=\"#555555\"/>\n"
        out += "<text x=\"\(format(middle))\" y=\"\(format(labelY))\" font-size=\"9\" text-anchor=\"middle\">"
        out += "gap \(byteSize(gap))</text>\n</g>\n"
        return out
    }

    /// The legend: GPIs, descriptors and RMM granule states.
    private func legend(y: Double) -> String {
        var out = "<g class=\"legend\">\n"
        let gpis: [GPI] = [.nonSecure, .realm, .secure, .root, .noAccess]
        for (i, gpi) in gpis.enumerated() {
            let x = 20 + Double(i) * 130
            out += "<rect x=\"\(format(x))\" y=\"\(y)\" width=\"14\" height=\"14\" fill=\"\(Self.colour(gpi))\"/>"
            out += "<text x=\"\(format(x + 20))\" y=\"\(y + 11)\">GPI \(gpi.name)</text>\n"
        }
        let kinds: [GPTDescriptorKind] = [
            .l0Block, .contiguous(.size512MB), .contiguous(.size32MB), .contiguous(.size2MB), .granules,
        ]
        for (i, kind) in kinds.enumerated() {
            let x = 20 + Double(i) * 150
            out += "<rect x=\"\(format(x))\" y=\"\(y + 30)\" width=\"14\" height=\"8\" fill=\"\(Self.colour(kind))\"/>"
            out += "<text x=\"\(format(x + 20))\" y=\"\(y + 38)\">\(kind.name)</text>\n"
        }
        for (i, state) in Self.objectStates.enumerated() {
            let x = 20 + Double(i) * 110
            out += "<rect class=\"legend-state\" data-state=\"\(state.name)\" x=\"\(format(x))\" y=\"\(y + 54)\" "
            out += "width=\"14\" height=\"14\" fill=\"\(Self.colour(state))\"/>"
            out += "<text x=\"\(format(x + 20))\" y=\"\(y + 65)\">\(state.name)</text>\n"
        }
        out += "</g>\n"
        return out
    }

    /// A coordinate with at most two decimals.
    private func format(_ value: Double) -> String {
        let rounded = (value * 100).rounded() / 100
        return rounded == rounded.rounded() ? String(Int(rounded)) : String(rounded)
    }
}
