import CCAArch

/// Writes one L1 table under its lock: shatter, whole-word and whole-block GPI writes, fuse. Counts its stores and
/// the contiguous blocks it shatters (each costs a TLBI RPALOS of the block's size and a DSB, as TF-A's
/// shatter_block issues them).
///
/// Every store leaves each word a well-formed descriptor, so a lock-free check sees either the old or the new GPI
/// of each granule, never a torn value. Indices are granule numbers within the table.
struct _L1Writer {
    let table: _L1Words
    let largest: GPTContiguousSize?
    let granuleShift: Int
    private(set) var writes: UInt64 = 0
    /// Contiguous blocks broken up by `shatter`, one per outermost block (its smaller pieces included).
    private(set) var shatteredBlocks: UInt64 = 0

    init(table: _L1Words, geometry: GranuleProtectionTable) {
        self.table = table
        let fitting = geometry.options.largestContiguousBlock
        self.largest = fitting
        self.granuleShift = geometry.granuleShift
    }

    /// L1 words per contiguous block of `size`.
    @inline(__always)
    func words(_ size: GPTContiguousSize) -> Int { 1 << (size.shift - granuleShift - 4) }

    private mutating func store(_ index: Int, _ value: UInt64) {
        table.store(index, value)
        writes += 1
    }

    private mutating func fill(words range: Range<Int>, with value: UInt64) {
        table.store(range, value)
        writes += UInt64(range.count)
    }

    /// Breaks up the contiguous descriptors that `cut` covers only in part (TF-A "shatter"): a cut block becomes
    /// the next smaller contiguous blocks, recursively, down to Granules words for the cut 2 MB blocks. Granule
    /// GPIs do not change.
    mutating func shatter(cutting cut: Range<Int>) {
        shatter(edge: cut.lowerBound, cut: cut)
        shatter(edge: cut.upperBound - 1, cut: cut)
    }

    private mutating func shatter(edge: Int, cut: Range<Int>) {
        let word = table.load(edge >> 4)
        guard word & 0xF == GPTL1Descriptor.contiguousType,
            case .contiguous(let gpi, let size)? = GPTL1Descriptor(rawValue: word)
        else { return }
        let blockWords = words(size)
        let start = (edge >> 4) & ~(blockWords - 1)
        if start << 4 >= cut.lowerBound && (start + blockWords) << 4 <= cut.upperBound { return }
        shatteredBlocks += 1
        shatter(block: start, size: size, gpi: gpi, cut: cut)
    }

    private mutating func shatter(block start: Int, size: GPTContiguousSize, gpi: GPI, cut: Range<Int>) {
        guard let smaller = GPTContiguousSize(rawValue: size.rawValue - 1) else {
            fill(words: start..<start + words(size), with: GPTL1Granules(repeating: gpi).rawValue)
            return
        }
        let childWords = words(smaller)
        for child in stride(from: start, to: start + words(size), by: childWords) {
            let low = child << 4
            let high = (child + childWords) << 4
            let inside = low >= cut.lowerBound && high <= cut.upperBound
            let outside = high <= cut.lowerBound || low >= cut.upperBound
            if inside || outside {
                fill(
                    words: child..<child + childWords, with: GPTL1Descriptor.contiguous(gpi, size: smaller).rawValue)
            } else {
                shatter(block: child, size: smaller, gpi: gpi, cut: cut)
            }
        }
    }

    /// Sets every granule of `range` to `gpi`: the largest aligned contiguous block the range covers where
    /// fusing allows it, else a whole Granules word, else the word's nibbles. Contiguous descriptors the range
    /// cuts must have been shattered first.
    mutating func write(_ gpi: GPI, over range: Range<Int>) {
        let wholeWord = GPTL1Granules(repeating: gpi).rawValue
        var granule = range.lowerBound
        outer: while granule < range.upperBound {
            let wordIndex = granule >> 4
            // A whole word (or a whole contiguous block) only where the range covers at least that word from here.
            if granule & 15 == 0 && granule + 16 <= range.upperBound {
                if let largest {
                    for raw in stride(from: largest.rawValue, through: 1, by: -1) {
                        let size = GPTContiguousSize(rawValue: raw)!
                        let blockWords = words(size)
                        if wordIndex & (blockWords - 1) == 0 && granule + (blockWords << 4) <= range.upperBound {
                            let descriptor = GPTL1Descriptor.contiguous(gpi, size: size).rawValue
                            fill(words: wordIndex..<wordIndex + blockWords, with: descriptor)
                            granule += blockWords << 4
                            continue outer
                        }
                    }
                }
                store(wordIndex, wholeWord)
                granule += 16
                continue
            }
            let wordEnd = min(range.upperBound, (wordIndex + 1) << 4)
            let word = table.load(wordIndex)
            precondition(word & 0xF != GPTL1Descriptor.contiguousType, "partial write into an unshattered block")
            // The nibbles of granules granule..<wordEnd, all at once (the run is at most fifteen of the sixteen).
            let low = UInt64(4 * (granule & 15))
            let high = UInt64(4 * (wordEnd - (wordIndex << 4)))
            let nibbles: UInt64 = (~0 << low) & (high == 64 ? ~0 : (1 << high) - 1)
            store(wordIndex, word & ~nibbles | wholeWord & nibbles)
            granule = wordEnd
        }
    }

    /// Fuses the blocks around `range` that are uniform (TF-A "fuse"): 2 MB blocks whose words all carry one GPI
    /// become contiguous descriptors, then 32 MB blocks of uniform 2 MB blocks, then 512 MB, up to `limit` (`nil`:
    /// nothing). A block for which `settled(firstWord, size)` is false is left as it is.
    mutating func fuse(
        around range: Range<Int>, through limit: GPTContiguousSize?,
        settled: (Int, GPTContiguousSize) -> Bool = { _, _ in true }
    ) {
        guard let limit else { return }
        for raw in 1...limit.rawValue {
            let size = GPTContiguousSize(rawValue: raw)!
            let blockWords = words(size)
            let firstBlock = (range.lowerBound >> 4) / blockWords
            let lastBlock = ((range.upperBound - 1) >> 4) / blockWords
            for block in firstBlock...lastBlock {
                let start = block * blockWords
                guard let gpi = uniformGPI(block: start, size: size), settled(start, size) else { continue }
                fill(words: start..<start + blockWords, with: GPTL1Descriptor.contiguous(gpi, size: size).rawValue)
            }
        }
    }

    /// The GPI every granule of the aligned block at word `start` shares, if the block is uniform and not already
    /// a contiguous descriptor of `size` or larger.
    private func uniformGPI(block start: Int, size: GPTContiguousSize) -> GPI? {
        let firstWord = table.load(start)
        // Only a contiguous descriptor needs decoding here (a Granules word's sixteen GPIs are checked below).
        if firstWord & 0xF == GPTL1Descriptor.contiguousType,
            case .contiguous(_, let existing)? = GPTL1Descriptor(rawValue: firstWord), existing >= size
        {
            return nil
        }
        guard let smaller = GPTContiguousSize(rawValue: size.rawValue - 1) else {
            // 2 MB: uniform when the first word is a Granules word of one valid GPI and every other word equals it.
            let gpi = GPI(rawValue: UInt8(firstWord & 0xF))!
            guard gpi.isValidDescriptorEncoding, firstWord == GPTL1Granules(repeating: gpi).rawValue else { return nil }
            return table.allEqual(start + 1..<start + words(size), firstWord) ? gpi : nil
        }
        // A block of smaller blocks is uniform when each child's first word is a contiguous descriptor of the
        // child's size with one GPI (the invariant makes the rest of each child equal to its first word).
        var shared: GPI?
        for index in stride(from: start, to: start + words(size), by: words(smaller)) {
            guard case .contiguous(let gpi, let existing)? = GPTL1Descriptor(rawValue: table.load(index)),
                existing >= smaller
            else { return nil }
            if let shared, shared != gpi { return nil }
            shared = gpi
        }
        return shared
    }
}
