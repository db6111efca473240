/// Finds copies of one article among earlier ones: canonical URL, exact text, then MinHash with banded LSH.
///
/// Per article it keeps a 64-slot signature of 16-bit values (128 bytes), one chain link per band (84 bytes) and
/// one bucket entry per band, so the index stays well under a kilobyte per article. Finding a match costs a
/// bounded number of bucket visits whatever the size of the index.
struct DuplicateIndex {
    static let permutations = 64
    static let bands = 21
    static let rows = 3
    /// Bucket entries visited per band: popular buckets (boilerplate text) cannot make a lookup expensive.
    static let chainLimit = 12
    static let unindexed = UInt16.max

    private let multipliers: [UInt64]
    private let addends: [UInt64]
    /// The low 16 bits of each permutation's minimum, `permutations` per article.
    private var signatures: [UInt16] = []
    private var indexed: [Bool] = []
    private var heads = HashIndex(capacity: 1 << 16)
    private var chain: [Int32] = []
    private var urls = HashIndex()
    private var texts = HashIndex()
    private var minima: [UInt32]
    /// The scratch signature's LSH bucket keys, one per band (looked up, then entered).
    private var bandKeys: [UInt64]
    private var bandHeads: [Int32]
    private var shingles: [UInt64] = []
    /// Per article, the lookup that last visited it (so each candidate is verified once per lookup).
    private var visitedBy: [Int32] = []
    private var lookup: Int32 = 0

    init() {
        var state: UInt64 = 0x5eed_1e55_70d1_a5e5
        var multipliers: [UInt64] = []
        var addends: [UInt64] = []
        for _ in 0..<Self.permutations {
            state &+= 0x9e37_79b9_7f4a_7c15
            multipliers.append(Tokenizer.mix(state) | 1)
            state &+= 0x9e37_79b9_7f4a_7c15
            addends.append(Tokenizer.mix(state))
        }
        self.multipliers = multipliers
        self.addends = addends
        minima = Array(repeating: 0, count: Self.permutations)
        bandKeys = Array(repeating: 0, count: Self.bands)
        bandHeads = Array(repeating: -1, count: Self.bands)
        shingles.reserveCapacity(128)
    }

    var bytesPerArticle: Int { Self.permutations * 2 + Self.bands * 4 + 5 }

    /// Earlier articles with the same canonical URL or the same normalised text, if any.
    func exactMatch(url: UInt64?, text: UInt64?) -> (article: Int32, rule: LinkRule)? {
        if let url, let found = urls[url] { return (found, .canonicalURL) }
        if let text, let found = texts[text] { return (found, .textHash) }
        return nil
    }

    /// Computes the MinHash signature of `tokens` (the title's and the lead's) into the scratch minima.
    /// - Returns: false when the text has no words, so there is nothing to compare.
    mutating func computeSignature(_ tokens: ArraySlice<Token>) -> Bool {
        shingles.removeAll(keepingCapacity: true)
        if tokens.count < 3 {
            shingles.append(contentsOf: tokens.lazy.map(\.hash))
        } else {
            var first = tokens[tokens.startIndex].hash
            var second = tokens[tokens.startIndex + 1].hash
            for token in tokens.dropFirst(2) {
                let combined = first &* 0x9e37_79b9_7f4a_7c15 ^ rotate(second, 21) ^ rotate(token.hash, 42)
                shingles.append(Tokenizer.mix(combined))
                first = second
                second = token.hash
            }
        }
        guard !shingles.isEmpty else { return false }
        // Slot by slot, four at a time, over all shingles: the minima stay in registers and the four multiplies
        // are independent. The minimum of `(m × s + a) >> 32` is the minimum of `m × s + a`, shifted once.
        shingles.withUnsafeBufferPointer { shingles in
            minima.withUnsafeMutableBufferPointer { minima in
                multipliers.withUnsafeBufferPointer { multipliers in
                    addends.withUnsafeBufferPointer { addends in
                        var slot = 0
                        while slot < Self.permutations {
                            let (m0, m1, m2, m3) = (
                                multipliers[slot], multipliers[slot + 1], multipliers[slot + 2], multipliers[slot + 3]
                            )
                            let (a0, a1, a2, a3) = (
                                addends[slot], addends[slot + 1], addends[slot + 2], addends[slot + 3]
                            )
                            var (l0, l1, l2, l3) = (UInt64.max, UInt64.max, UInt64.max, UInt64.max)
                            for shingle in shingles {
                                l0 = min(l0, m0 &* shingle &+ a0)
                                l1 = min(l1, m1 &* shingle &+ a1)
                                l2 = min(l2, m2 &* shingle &+ a2)
                                l3 = min(l3, m3 &* shingle &+ a3)
                            }
                            minima[slot] = UInt32(truncatingIfNeeded: l0 >> 32)
                            minima[slot + 1] = UInt32(truncatingIfNeeded: l1 >> 32)
                            minima[slot + 2] = UInt32(truncatingIfNeeded: l2 >> 32)
                            minima[slot + 3] = UInt32(truncatingIfNeeded: l3 >> 32)
                            slot += 4
                        }
                    }
                }
            }
        }
        for band in 0..<Self.bands { bandKeys[band] = bandKey(band) }
        return true
    }

    /// The best earlier article whose estimated Jaccard similarity to the scratch signature reaches `threshold`,
    /// among the LSH candidates for which `accept` holds (the time window).
    mutating func nearMatch(threshold: Double, accept: (Int32) -> Bool) -> (article: Int32, score: Double)? {
        lookup &+= 1
        // The buckets' heads first: the look-ups are independent, so their cache misses (the bucket table is the
        // index's largest part) overlap instead of queueing behind each chain walk.
        for band in 0..<Self.bands { bandHeads[band] = heads[bandKeys[band]] ?? -1 }
        var best: (article: Int32, score: Double)?
        for band in 0..<Self.bands {
            var candidate = bandHeads[band]
            var steps = 0
            while candidate >= 0 && steps < Self.chainLimit {
                steps += 1
                if visitedBy[Int(candidate)] != lookup {
                    visitedBy[Int(candidate)] = lookup
                    if accept(candidate) {
                        let score = similarity(to: candidate)
                        if score >= threshold && score > (best?.score ?? -1) { best = (candidate, score) }
                    }
                }
                candidate = chain[Int(candidate) * Self.bands + band]
            }
        }
        return best
    }

    /// Records article `article` (numbered densely from zero, in order): its keys, and the scratch signature when
    /// `hasSignature`.
    mutating func insert(_ article: Int32, url: UInt64?, text: UInt64?, hasSignature: Bool) {
        if let url, urls[url] == nil { urls[url] = article }
        if let text, texts[text] == nil { texts[text] = article }
        indexed.append(hasSignature)
        visitedBy.append(0)
        if hasSignature {
            signatures.append(contentsOf: minima.lazy.map { UInt16(truncatingIfNeeded: $0) })
            for band in 0..<Self.bands { chain.append(heads.exchange(bandKeys[band], with: article) ?? -1) }
        } else {
            signatures.append(contentsOf: repeatElement(Self.unindexed, count: Self.permutations))
            chain.append(contentsOf: repeatElement(-1, count: Self.bands))
        }
    }

    private func similarity(to article: Int32) -> Double {
        let base = Int(article) * Self.permutations
        var equal = 0
        for slot in 0..<Self.permutations where signatures[base + slot] == UInt16(truncatingIfNeeded: minima[slot]) {
            equal += 1
        }
        return Double(equal) / Double(Self.permutations)
    }

    private func bandKey(_ band: Int) -> UInt64 {
        var key = UInt64(band) &* 0xff51_afd7_ed55_8ccd
        for row in 0..<Self.rows {
            key = Tokenizer.mix(key ^ UInt64(minima[band * Self.rows + row]))
        }
        return key
    }

    @inline(__always) private func rotate(_ value: UInt64, _ by: UInt64) -> UInt64 {
        (value << by) | (value >> (64 - by))
    }
}
