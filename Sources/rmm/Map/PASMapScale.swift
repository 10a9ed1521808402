/// Where the map draws each address: regions side by side to one linear scale, and a fixed-width break in the
/// axis for each gap between them, so that a 64 MiB region and an 8 GiB one differ in width by 128 times while
/// terabytes of nothing between them take no room.
struct PASMapScale {
    /// One region's place on the axis.
    struct Segment: Equatable {
        var base: UInt64
        var top: UInt64
        /// The x coordinate of `base`.
        var x: Double
        /// The width of the whole region.
        var width: Double
        /// Whether a break (a gap in the address space) comes before this region.
        var breakBefore: Bool
    }

    /// The width a gap between two regions takes.
    static let breakWidth = 28.0
    /// The narrowest a run is drawn, so that one granule of a multi-gigabyte region still shows.
    static let minimumRunWidth = 3.0

    let segments: [Segment]
    /// Pixels per byte.
    let pixelsPerByte: Double

    /// Lays out `regions` (ascending, disjoint `[base, top)`) between `left` and `left + width`.
    init(regions: [(base: UInt64, top: UInt64)], left: Double, width: Double) {
        let breaks = zip(regions, regions.dropFirst()).filter { $0.0.top != $0.1.base }.count
        let bytes = regions.reduce(0.0) { $0 + Double($1.top - $1.base) }
        pixelsPerByte = bytes > 0 ? max(0, width - Double(breaks) * Self.breakWidth) / bytes : 0
        var x = left
        var segments: [Segment] = []
        for (index, region) in regions.enumerated() {
            let breakBefore = index > 0 && regions[index - 1].top != region.base
            if breakBefore { x += Self.breakWidth }
            let regionWidth = Double(region.top - region.base) * pixelsPerByte
            segments.append(
                Segment(base: region.base, top: region.top, x: x, width: regionWidth, breakBefore: breakBefore))
            x += regionWidth
        }
        self.segments = segments
    }

    /// The x coordinate of `address`, which must lie in one of the regions (or be a region's top).
    func x(_ address: UInt64) -> Double {
        guard let segment = segments.first(where: { address >= $0.base && address <= $0.top }) else { return 0 }
        return segment.x + Double(address - segment.base) * pixelsPerByte
    }

    /// Where to draw `[base, top)`: to scale, but at least `minimumRunWidth` wide, kept inside its region.
    func span(_ base: UInt64, _ top: UInt64) -> (x: Double, width: Double) {
        let start = x(base)
        let width = x(top) - start
        guard width < Self.minimumRunWidth,
            let segment = segments.first(where: { base >= $0.base && base < $0.top })
        else { return (start, width) }
        let wide = min(Self.minimumRunWidth, segment.width)
        let centred = start + width / 2 - wide / 2
        return (min(max(centred, segment.x), segment.x + segment.width - wide), wide)
    }
}
