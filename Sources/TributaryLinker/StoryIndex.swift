internal import Foundation
internal import TributaryCore

/// A sparse term-weight vector, sorted by term id so two vectors meet in one merge-join.
struct SparseVector {
    var terms: [Int32] = []
    var weights: [Float] = []

    var isEmpty: Bool { terms.isEmpty }

    var norm: Float {
        var sum: Float = 0
        for weight in weights { sum += weight * weight }
        return sum.squareRoot()
    }

    /// The merge-join of two sorted term lists, without a branch per step: which side advances is computed, so
    /// the unpredictable comparisons cost no mispredictions. Products are summed in term order, as always.
    func dot(_ other: SparseVector) -> Float {
        terms.withUnsafeBufferPointer { leftTerms in
            weights.withUnsafeBufferPointer { leftWeights in
                other.terms.withUnsafeBufferPointer { rightTerms in
                    other.weights.withUnsafeBufferPointer { rightWeights in
                        var left = 0
                        var right = 0
                        var sum: Float = 0
                        let leftCount = leftTerms.count
                        let rightCount = rightTerms.count
                        while left < leftCount && right < rightCount {
                            let a = leftTerms[left]
                            let b = rightTerms[right]
                            if a == b { sum += leftWeights[left] * rightWeights[right] }
                            left &+= a <= b ? 1 : 0
                            right &+= b <= a ? 1 : 0
                        }
                        return sum
                    }
                }
            }
        }
    }

    func cosine(_ other: SparseVector) -> Float {
        let denominator = norm * other.norm
        return denominator > 0 ? dot(other) / denominator : 0
    }

    /// Adds `scale` × `other` into this vector.
    mutating func add(_ other: SparseVector, scale: Float = 1) {
        let capacity = terms.count + other.terms.count
        withUnsafeTemporaryAllocation(of: Int32.self, capacity: capacity) { mergedTerms in
            withUnsafeTemporaryAllocation(of: Float.self, capacity: capacity) { mergedWeights in
                let count = merge(other, scale: scale, terms: mergedTerms, weights: mergedWeights)
                terms = Array(mergedTerms[0..<count])
                weights = Array(mergedWeights[0..<count])
            }
        }
    }

    /// Adds `other` and keeps the `limit` heaviest terms: `add` then `prune`, merged on the stack, so a vector
    /// whose arrays have the room (a centroid after its first few members) changes without allocating.
    mutating func add(_ other: SparseVector, keeping limit: Int) {
        let capacity = terms.count + other.terms.count
        withUnsafeTemporaryAllocation(of: Int32.self, capacity: capacity) { mergedTerms in
            withUnsafeTemporaryAllocation(of: Float.self, capacity: capacity) { mergedWeights in
                var count = merge(other, scale: 1, terms: mergedTerms, weights: mergedWeights)
                if count > limit {
                    Self.prune(terms: mergedTerms, weights: mergedWeights, count: count, to: limit)
                    count = limit
                }
                let (newTerms, newWeights) = (mergedTerms[0..<count], mergedWeights[0..<count])
                if terms.capacity >= count && weights.capacity >= count {
                    terms.removeAll(keepingCapacity: true)
                    terms.append(contentsOf: UnsafeMutableBufferPointer(rebasing: newTerms))
                    weights.removeAll(keepingCapacity: true)
                    weights.append(contentsOf: UnsafeMutableBufferPointer(rebasing: newWeights))
                } else {
                    terms = Array(newTerms)
                    weights = Array(newWeights)
                }
            }
        }
    }

    /// Writes the sorted union of this vector and `scale` × `other` into the buffers (room for both).
    /// - Returns: how many terms it wrote.
    private func merge(
        _ other: SparseVector, scale: Float, terms mergedTerms: UnsafeMutableBufferPointer<Int32>,
        weights mergedWeights: UnsafeMutableBufferPointer<Float>
    ) -> Int {
        var count = 0
        var left = 0
        var right = 0
        while left < terms.count || right < other.terms.count {
            if right >= other.terms.count || (left < terms.count && terms[left] < other.terms[right]) {
                mergedTerms[count] = terms[left]
                mergedWeights[count] = weights[left]
                count += 1
                left += 1
            } else if left >= terms.count || other.terms[right] < terms[left] {
                mergedTerms[count] = other.terms[right]
                mergedWeights[count] = other.weights[right] * scale
                count += 1
                right += 1
            } else {
                let weight = weights[left] + other.weights[right] * scale
                if weight > 1e-6 {
                    mergedTerms[count] = terms[left]
                    mergedWeights[count] = weight
                    count += 1
                }
                left += 1
                right += 1
            }
        }
        return count
    }

    mutating func scale(by factor: Float) {
        for index in weights.indices { weights[index] *= factor }
    }

    /// Keeps the `limit` heaviest terms (ties by term id, so the result never depends on anything else).
    mutating func prune(to limit: Int) {
        let count = terms.count
        guard count > limit else { return }
        terms.withUnsafeMutableBufferPointer { terms in
            weights.withUnsafeMutableBufferPointer { weights in
                Self.prune(terms: terms, weights: weights, count: count, to: limit)
            }
        }
        terms.removeLast(count - limit)
        weights.removeLast(count - limit)
    }

    /// Moves the `limit` heaviest of the first `count` entries to the front, in their order. The keys are
    /// distinct, so exactly `limit` of them are at most the limit-th smallest: one pass in term order keeps those.
    private static func prune(
        terms: UnsafeMutableBufferPointer<Int32>, weights: UnsafeMutableBufferPointer<Float>, count: Int, to limit: Int
    ) {
        withUnsafeTemporaryAllocation(of: UInt64.self, capacity: count) { keys in
            for position in 0..<count { keys[position] = RankKey.make(weights[position], position) }
            let threshold = RankKey.smallest(rank: limit - 1, of: keys)
            var kept = 0
            for position in 0..<count where RankKey.make(weights[position], position) <= threshold {
                terms[kept] = terms[position]
                weights[kept] = weights[position]
                kept += 1
            }
        }
    }

    /// Calls `body` with the positions of the `count` heaviest terms, heaviest first (ties by term id).
    func withTopPositions<R>(_ count: Int, _ body: (UnsafeBufferPointer<Int32>) -> R) -> R {
        let total = terms.count
        let kept = min(count, total)
        return withUnsafeTemporaryAllocation(of: UInt64.self, capacity: total) { keys in
            for position in 0..<total { keys[position] = RankKey.make(weights[position], position) }
            RankKey.selectSmallest(keys, kept)
            return withUnsafeTemporaryAllocation(of: Int32.self, capacity: kept) { positions in
                for index in 0..<kept { positions[index] = Int32(RankKey.position(keys[index])) }
                return body(UnsafeBufferPointer(positions))
            }
        }
    }

    /// The term ids of the `count` heaviest terms, heaviest first.
    func topTerms(_ count: Int) -> [Int32] {
        withTopPositions(count) { $0.map { terms[Int($0)] } }
    }
}

/// Orders weighted entries heaviest first, ties by the lower position (or term id), as plain integers: the weight's
/// bits (order-preserving for non-negative floats) inverted above the position. Sorting these needs no closure and
/// no indirection, and as every key is distinct any selection method picks the same entries in the same order.
enum RankKey {
    @inline(__always) static func make(_ weight: Float, _ position: Int) -> UInt64 {
        let bits = weight > 0 ? weight.bitPattern : 0
        return UInt64(~bits) << 32 | UInt64(UInt32(truncatingIfNeeded: position))
    }

    @inline(__always) static func position(_ key: UInt64) -> Int {
        Int(UInt32(truncatingIfNeeded: key))
    }

    /// The key of rank `rank` (0: the smallest) among distinct `keys`, found by quickselect; the keys are
    /// reordered.
    static func smallest(rank: Int, of keys: UnsafeMutableBufferPointer<UInt64>) -> UInt64 {
        var low = 0
        var high = keys.count - 1
        while low < high {
            let middle = low + (high - low) / 2
            let (a, b, c) = (keys[low], keys[middle], keys[high])
            let pivot = max(min(a, b), min(max(a, b), c))
            var left = low
            var right = high
            while left <= right {
                while keys[left] < pivot { left += 1 }
                while keys[right] > pivot { right -= 1 }
                if left <= right {
                    keys.swapAt(left, right)
                    left += 1
                    right -= 1
                }
            }
            // Now keys[low...right] ≤ pivot ≤ keys[left...high], and anything between equals the pivot.
            if rank <= right {
                high = right
            } else if rank >= left {
                low = left
            } else {
                return keys[rank]
            }
        }
        return keys[low]
    }

    /// Moves the `count` smallest keys to the front, ascending; the rest are left in no particular order.
    static func selectSmallest(_ keys: UnsafeMutableBufferPointer<UInt64>, _ count: Int) {
        let total = keys.count
        let kept = min(count, total)
        guard kept > 0 else { return }
        for index in 1..<kept {
            let key = keys[index]
            var slot = index
            while slot > 0 && keys[slot - 1] > key {
                keys[slot] = keys[slot - 1]
                slot -= 1
            }
            keys[slot] = key
        }
        var index = kept
        while index < total {
            let key = keys[index]
            if key < keys[kept - 1] {
                keys[index] = keys[kept - 1]
                var slot = kept - 1
                while slot > 0 && keys[slot - 1] > key {
                    keys[slot] = keys[slot - 1]
                    slot -= 1
                }
                keys[slot] = key
            }
            index += 1
        }
    }
}

/// One story: the sum of its members' normalised vectors (aged, capped) and where it stands.
struct Story {
    /// The article that founded the story; its id is the story's id.
    var founder: Int32
    /// Itself while alive; the surviving story after a merge.
    var parent: Int32
    var centroid = SparseVector()
    /// How many vectors the centroid sums (after ageing, an estimate).
    var weight: Float = 0
    var members: [Int32] = []
    /// The latest date of its members, NaN when none had one.
    var lastTime = Double.nan
    /// The arrival index of its latest member: the recency measure when there are no dates.
    var lastArrival: Int32
    /// Why it was merged into `parent`.
    var mergeScore: Float = 0

    /// Takes `article` in: its vector joins the centroid, which ages once it sums `centroidMembers` vectors.
    mutating func join(
        _ article: Int32, vector: SparseVector, time: Double, centroidMembers: Int, centroidTerms: Int
    ) {
        let limit = Float(centroidMembers)
        if weight >= limit {
            centroid.scale(by: (limit - 1) / limit)
            weight = limit - 1
        }
        centroid.add(vector, keeping: centroidTerms)
        weight += 1
        members.append(article)
        lastArrival = article
        if !time.isNaN { lastTime = lastTime.isNaN ? time : max(lastTime, time) }
    }
}

/// A term's document frequency, and its place in the article being collected.
struct TermStats {
    var frequency: Int32
    var slot: Int32
}

/// A story's running score within one `candidates` call.
struct Tally {
    var stamp: Int32
    var score: Float
}

/// What one `candidates` call works in. The index keeps one; each thread of `related(to:)` brings its own.
struct CandidateScratch {
    /// The candidate stories of the latest call.
    var found: [Int32] = []
    /// Per story, the shared weight summed by the call stamped `stamp` (one record: one cache line).
    var tally: [Tally] = []
    var stamp: Int32 = 0
}

/// The same-story layer: running document frequencies, article term vectors, and story centroids found through
/// an inverted index of their top terms.
struct StoryIndex {
    /// Terms of an article or centroid that are looked up in (and entered into) the inverted index.
    static let indexedTerms = 10
    /// Stories kept per posting list (the most recently active); bounds the work per lookup.
    static let postingLimit = 16
    /// Candidates whose exact cosine is computed, after a cheap shared-terms score.
    static let exactCandidates = 8
    /// Word pairs share this many vocabulary entries (a mask).
    static let bigramBuckets: UInt64 = (1 << 18) - 1

    var parameters: LinkParameters
    private var termIds = HashIndex(capacity: 1 << 14)
    /// Per term: its document frequency, and where the article being collected counts it (-1: not yet). One
    /// record, so a word costs one cache miss here, not two.
    private var termStats: [TermStats] = []
    private var postings: [[Int32]] = []
    private var documents = 0
    /// Per article (arrival index), where its stored terms start in `articleTerms`; dups store nothing.
    private var articleStart: [Int32] = [0]
    private var articleTerms: [Int32] = []
    private var articleTF: [Float] = []
    /// Per article, its story (for duplicates: -1 until resolved through its lead).
    var storyOf: [Int32] = []
    var stories: [Story] = []
    /// Each story's `parent`, apart: `find` runs for every posting visited, and a flat array of 4-byte entries
    /// keeps those lookups in cache where the wide `Story` records would not be.
    private var parents: [Int32] = []
    /// Per story, the merge pass that last visited it (`passStamp`): each story is a subject once per pass.
    private var seenStamp: [Int32] = []
    private var passStamp: Int32 = 0
    /// Stories touched since the last streaming merge pass.
    private var touched: [Int32] = []

    private var scratchTerms: [Int32] = []
    private var scratchTF: [Float] = []
    /// An article's weighted words and word pairs, before they are counted per term.
    private var units: [(hash: UInt64, weight: Float)] = []
    private var scratch = CandidateScratch()

    init(parameters: LinkParameters) {
        self.parameters = parameters
    }

    var articleCount: Int { storyOf.count }

    func idf(_ term: Int32) -> Float {
        Float(log(Double(documents + 1) / Double(termStats[Int(term)].frequency + 1)) + 1)
    }

    /// The article's vector with today's document frequencies, normalised.
    func vector(of article: Int32) -> SparseVector {
        let start = Int(articleStart[Int(article)])
        let end = Int(articleStart[Int(article) + 1])
        var vector = SparseVector()
        vector.terms = Array(articleTerms[start..<end])
        vector.weights = (start..<end).map { articleTF[$0] * idf(articleTerms[$0]) }
        let norm = vector.norm
        if norm > 0 { vector.scale(by: 1 / norm) }
        return vector
    }

    /// How close an article (normalised vector) is to a story: the cosine to its centroid, or with average
    /// linkage the mean cosine to its members.
    func articleScore(_ vector: SparseVector, _ story: Int32) -> Float {
        // Read in place: copying a `Story` out would retain and release each of its arrays.
        stories.withUnsafeBufferPointer { stories in
            let weight = stories[Int(story)].weight
            if parameters.linkage == 0 { return vector.cosine(stories[Int(story)].centroid) }
            return weight > 0 ? vector.dot(stories[Int(story)].centroid) / weight : 0
        }
    }

    /// How close two stories are: centroid cosine, or with average linkage the mean cosine between members.
    func storyScore(_ first: Int32, _ second: Int32) -> Float {
        stories.withUnsafeBufferPointer { stories in
            let (a, b) = (Int(first), Int(second))
            if parameters.linkage == 0 { return stories[a].centroid.cosine(stories[b].centroid) }
            let (weightA, weightB) = (stories[a].weight, stories[b].weight)
            return weightA > 0 && weightB > 0 ? stories[a].centroid.dot(stories[b].centroid) / (weightA * weightB) : 0
        }
    }

    func find(_ story: Int32) -> Int32 {
        var current = story
        while parents[Int(current)] != current { current = parents[Int(current)] }
        return current
    }

    /// Records a duplicate: it stores no vector and takes its lead's story.
    mutating func addDuplicate(of original: Int32, time: Double) {
        articleStart.append(articleStart[articleStart.count - 1])
        let story = find(storyOf[Int(original)])
        storyOf.append(story)
        let arrival = Int32(storyOf.count - 1)
        stories[Int(story)].lastArrival = arrival
        if !time.isNaN {
            stories[Int(story)].lastTime = max(
                stories[Int(story)].lastTime.isNaN ? time : stories[Int(story)].lastTime, time)
        }
    }

    /// Adds an article as a story of its own, without terms (the duplicate-only mode).
    mutating func addAlone(time: Double) {
        let article = Int32(storyOf.count)
        articleStart.append(articleStart[articleStart.count - 1])
        let story = Int32(stories.count)
        var entry = Story(founder: article, parent: story, lastArrival: article)
        entry.members = [article]
        entry.lastTime = time
        stories.append(entry)
        parents.append(story)
        storyOf.append(story)
    }

    /// Adds a new (non-duplicate) article and assigns it to a story.
    /// - Returns: the story joined and its cosine, or nil when the article founded a story.
    mutating func add(
        tokens: [Token], time: Double, inWindow: (Double, Double, Double) -> Bool
    )
        -> (story: Int32, score: Float)?
    {
        let article = Int32(storyOf.count)
        collectTerms(tokens)
        let vector = vector(of: article)
        var best: (story: Int32, score: Float)?
        if !vector.isEmpty {
            for story in candidates(for: vector, excluding: -1) {
                // One field read in place: copying the story retained its three arrays for each candidate.
                guard inWindow(time, stories[Int(story)].lastTime, parameters.storyWindowHours) else { continue }
                let score = articleScore(vector, story)
                if score >= Float(parameters.storyThreshold) && score > (best?.score ?? -1) { best = (story, score) }
            }
        }
        let story: Int32
        if let best {
            story = best.story
        } else {
            story = Int32(stories.count)
            stories.append(Story(founder: article, parent: story, lastArrival: article))
            parents.append(story)
        }
        storyOf.append(story)
        join(article, vector: vector, story: story, time: time)
        return best
    }

    /// Adds an article where an earlier run placed it: into `story`, or as the founder of a story of its own when
    /// nil. Nothing is searched, and the story is not put up for the next merge pass: only new articles reopen it.
    /// - Returns: the story it is in.
    mutating func addKept(tokens: [Token], time: Double, story kept: Int32?) -> Int32 {
        let article = Int32(storyOf.count)
        collectTerms(tokens)
        let vector = vector(of: article)
        let story: Int32
        if let kept {
            story = find(kept)
        } else {
            story = Int32(stories.count)
            stories.append(Story(founder: article, parent: story, lastArrival: article))
            parents.append(story)
        }
        storyOf.append(story)
        join(article, vector: vector, story: story, time: time, touch: false)
        return story
    }

    private mutating func join(_ article: Int32, vector: SparseVector, story: Int32, time: Double, touch: Bool = true) {
        // Edited in place through the array's subscript: a copy taken out and written back cost a retain and a
        // release of each of the story's arrays per article.
        stories[Int(story)].join(
            article, vector: vector, time: time, centroidMembers: parameters.centroidMembers,
            centroidTerms: parameters.centroidTerms)
        index(story)
        if touch { touched.append(story) }
    }

    /// Enters the story under its top centroid terms.
    private mutating func index(_ story: Int32) {
        for term in stories[Int(story)].centroid.topTerms(Self.indexedTerms) {
            let list = Int(term)
            if postings[list].suffix(4).contains(story) { continue }
            postings[list].append(story)
            if postings[list].count > 2 * Self.postingLimit {
                postings[list].removeFirst(postings[list].count - Self.postingLimit)
            }
        }
    }

    /// Stories sharing heavy terms with `vector`, best shared weight first, at most `exactCandidates`.
    ///
    /// The list returned is the index's own scratch list: read it before the next call.
    mutating func candidates(for vector: SparseVector, excluding: Int32, limit: Int = exactCandidates) -> [Int32] {
        // Moved out and back, so the call below owns the scratch buffers and never copies them.
        var scratch = self.scratch
        self.scratch = CandidateScratch()
        let found = candidates(for: vector, excluding: excluding, limit: limit, scratch: &scratch)
        self.scratch = scratch
        return found
    }

    /// `candidates(for:excluding:limit:)` in the caller's scratch: reads the index only, so threads with a scratch
    /// each can ask at once.
    func candidates(
        for vector: SparseVector, excluding: Int32, limit: Int = exactCandidates, scratch: inout CandidateScratch
    ) -> [Int32] {
        if scratch.tally.count < stories.count {
            scratch.tally.append(
                contentsOf: repeatElement(Tally(stamp: -1, score: 0), count: stories.count - scratch.tally.count))
        }
        scratch.stamp &+= 1
        let stamp = scratch.stamp
        var found = scratch.found
        scratch.found = []
        found.removeAll(keepingCapacity: true)
        // The closures below capture these two, not `self`: capturing `self` here copies the whole index.
        let postings = self.postings
        let parents = self.parents
        // In three passes over the visits, each a run of independent loads the processor can overlap: copy the
        // posting lists, resolve merged stories, then tally in the same order as one pass would.
        vector.withTopPositions(Self.indexedTerms) { positions in
            let capacity = positions.count * Self.postingLimit
            withUnsafeTemporaryAllocation(of: Int32.self, capacity: capacity) { visits in
                withUnsafeTemporaryAllocation(of: Float.self, capacity: capacity) { shared in
                    var count = 0
                    // Lists are read in place through a pointer: no retain (an atomic, which would keep the
                    // processor from overlapping the lists' cache misses) per list.
                    postings.withUnsafeBufferPointer { lists in
                        guard let first = lists.baseAddress else { return }
                        for position in positions {
                            let weight = vector.weights[Int(position)]
                            (first + Int(vector.terms[Int(position)])).pointee.withUnsafeBufferPointer { list in
                                for raw in list.suffix(Self.postingLimit) {
                                    visits[count] = raw
                                    shared[count] = weight
                                    count += 1
                                }
                            }
                        }
                    }
                    parents.withUnsafeBufferPointer { parents in
                        for index in 0..<count {
                            var current = visits[index]
                            while parents[Int(current)] != current { current = parents[Int(current)] }
                            visits[index] = current
                        }
                    }
                    scratch.tally.withUnsafeMutableBufferPointer { tally in
                        for index in 0..<count {
                            let story = visits[index]
                            if story == excluding { continue }
                            if tally[Int(story)].stamp != stamp {
                                tally[Int(story)] = Tally(stamp: stamp, score: 0)
                                found.append(story)
                            }
                            tally[Int(story)].score += shared[index]
                        }
                    }
                }
            }
        }
        let count = found.count
        if count > limit {
            withUnsafeTemporaryAllocation(of: UInt64.self, capacity: count) { keys in
                for index in 0..<count {
                    keys[index] = RankKey.make(scratch.tally[Int(found[index])].score, Int(found[index]))
                }
                RankKey.selectSmallest(keys, limit)
                for index in 0..<limit { found[index] = Int32(RankKey.position(keys[index])) }
            }
            found.removeLast(count - limit)
        }
        scratch.found = found
        return found
    }

    /// Counts the article's terms, updates document frequencies, and stores its heaviest terms.
    private mutating func collectTerms(_ tokens: [Token]) {
        scratchTerms.removeAll(keepingCapacity: true)
        scratchTF.removeAll(keepingCapacity: true)
        units.removeAll(keepingCapacity: true)
        let titleWeight = Float(parameters.titleWeight)
        let nameWeight = Float(parameters.nameWeight)
        let linkWeight = Float(parameters.linkWeight)
        let bigramWeight = Float(parameters.bigramWeight)
        let numberWeight = Float(parameters.numberWeight)
        var previous: Token?
        for token in tokens where token.flags & Token.stopword == 0 {
            var weight: Float = token.flags & Token.title != 0 ? titleWeight : 1
            if token.flags & Token.link != 0 { weight = linkWeight }
            if token.flags & Token.capitalised != 0 { weight *= nameWeight }
            // Numbers in running text tell one event of a kind from another (scores, counts); numbers in a link's
            // path are mostly dates and ids (/2026/11/23/…) that two posts of one site share without sharing a
            // subject, so they keep only the plain link weight.
            if token.flags & Token.number != 0 && token.flags & Token.link == 0 { weight *= numberWeight }
            units.append((token.hash, weight))
            if bigramWeight > 0, let last = previous,
                last.flags & ~Token.capitalised == token.flags & ~Token.capitalised
            {
                // Pairs are folded into a fixed number of buckets: word pairs are mostly unique, and an exact
                // vocabulary of them would grow with every article.
                let pair = Tokenizer.mix(last.hash &* 31 ^ token.hash) & Self.bigramBuckets
                units.append((Tokenizer.mix(pair ^ 0xb16_5eed), weight * bigramWeight))
            }
            previous = token
        }
        // Every unit's term first: the look-ups do not depend on one another, so their cache misses overlap.
        let unitTerms = [Int32](unsafeUninitializedCapacity: units.count) { buffer, initialized in
            for (index, unit) in units.enumerated() {
                if let known = termIds[unit.hash] {
                    buffer[index] = known
                } else {
                    let term = Int32(termStats.count)
                    termIds[unit.hash] = term
                    termStats.append(TermStats(frequency: 0, slot: -1))
                    postings.append([])
                    buffer[index] = term
                }
            }
            initialized = units.count
        }
        // Then the counts per distinct term, over buffers (no uniqueness check per unit): the arrays are taken out
        // of `self`, sized for every unit to be new, and cut to the distinct terms afterwards.
        var terms = scratchTerms
        var counts = scratchTF
        scratchTerms = []
        scratchTF = []
        let room = units.count - terms.count
        if room > 0 {
            terms.append(contentsOf: repeatElement(0, count: room))
            counts.append(contentsOf: repeatElement(0, count: room))
        }
        var distinct = 0
        termStats.withUnsafeMutableBufferPointer { stats in
            terms.withUnsafeMutableBufferPointer { terms in
                counts.withUnsafeMutableBufferPointer { counts in
                    for (unit, term) in zip(units, unitTerms) {
                        let position = stats[Int(term)].slot
                        if position >= 0 {
                            counts[Int(position)] += unit.weight
                        } else {
                            stats[Int(term)].slot = Int32(distinct)
                            terms[distinct] = term
                            counts[distinct] = unit.weight
                            distinct += 1
                        }
                    }
                }
            }
        }
        terms.removeLast(terms.count - distinct)
        counts.removeLast(counts.count - distinct)
        scratchTerms = terms
        scratchTF = counts
        documents += 1
        for term in scratchTerms { termStats[Int(term)].frequency += 1 }
        // Dampen repetition: the fifth mention of a word says less than the first.
        for index in scratchTF.indices where scratchTF[index] > 1 {
            scratchTF[index] = 1 + log(scratchTF[index])
        }
        // The heaviest `articleTerms` (ties by term id), stored by term id; `slot` still maps a term to its count.
        let count = scratchTerms.count
        let kept = min(count, parameters.articleTerms)
        withUnsafeTemporaryAllocation(of: UInt64.self, capacity: count) { keys in
            var chosen = UnsafeMutableBufferPointer(rebasing: keys[0..<kept])
            if count > kept {
                for index in 0..<count {
                    let term = scratchTerms[index]
                    keys[index] = RankKey.make(scratchTF[index] * idf(term), Int(term))
                }
                _ = RankKey.smallest(rank: kept - 1, of: keys)
                // Quickselect leaves the `kept` smallest keys in front.
                for index in 0..<kept { keys[index] = UInt64(RankKey.position(keys[index])) }
            } else {
                for index in 0..<count { keys[index] = UInt64(UInt32(scratchTerms[index])) }
            }
            chosen.sort()
            for key in chosen {
                let term = Int32(truncatingIfNeeded: key)
                articleTerms.append(term)
                articleTF.append(scratchTF[Int(termStats[Int(term)].slot)])
            }
        }
        for term in scratchTerms { termStats[Int(term)].slot = -1 }
        articleStart.append(Int32(articleTerms.count))
    }

    /// Merges stories touched since the last pass into close neighbours: undoes the order effects of the single
    /// pass (a story split because its first articles arrived before the words that tie them were common).
    @discardableResult
    mutating func mergePass(
        stories subjects: [Int32]? = nil, inWindow: @Sendable (Double, Double, Double) -> Bool
    ) -> Int {
        let list = subjects ?? touched
        touched.removeAll(keepingCapacity: true)
        if seenStamp.count < stories.count {
            seenStamp.append(contentsOf: repeatElement(-1, count: stories.count - seenStamp.count))
        }
        passStamp &+= 1
        // Each subject's story once, in the order given.
        var roots: [Int32] = []
        for raw in list {
            let story = find(raw)
            guard seenStamp[Int(story)] != passStamp else { continue }
            seenStamp[Int(story)] = passStamp
            if !stories[Int(story)].centroid.isEmpty { roots.append(story) }
        }
        var pairs: [MergePair]
        // A pass over thousands of stories (the final passes over a run's window) finds its pairs on every core; the
        // streaming passes, a few hundred stories while the fetch keeps the cores busy, stay on one and reuse the
        // index's scratch.
        let width = Parallel.width(for: roots.count)
        if width > 1 {
            // Joined in the order of `roots`: the same pairs in the same order as one core finds them.
            let (index, subjects) = (self, roots)
            pairs = Parallel.mapBlocking(Parallel.slices(subjects.count, width: width)) { range in
                var scratch = CandidateScratch()
                return index.mergePairs(subjects[range], scratch: &scratch, inWindow: inWindow)
            }.flatMap { $0 }
        } else {
            var scratch = self.scratch
            self.scratch = CandidateScratch()
            pairs = mergePairs(roots[...], scratch: &scratch, inWindow: inWindow)
            self.scratch = scratch
        }
        pairs.sort { $0.score != $1.score ? $0.score > $1.score : ($0.a, $0.b) < ($1.a, $1.b) }
        var merged = 0
        for pair in pairs {
            let a = find(pair.a)
            let b = find(pair.b)
            guard a != b else { continue }
            var score = pair.score
            if a != pair.a || b != pair.b {
                score = storyScore(a, b)
                guard score >= Float(parameters.mergeThreshold) else { continue }
            }
            merge(a, b, score: score)
            merged += 1
        }
        return merged
    }

    /// Two stories a merge pass found close enough to merge, `a < b`.
    typealias MergePair = (a: Int32, b: Int32, score: Float)

    /// The pairs each of `roots` forms with its candidates, in the order of `roots`. Reads the index only.
    func mergePairs(
        _ roots: ArraySlice<Int32>, scratch: inout CandidateScratch, inWindow: (Double, Double, Double) -> Bool
    ) -> [MergePair] {
        var pairs: [MergePair] = []
        for story in roots {
            let centroid = stories[Int(story)].centroid
            for other in candidates(for: centroid, excluding: story, scratch: &scratch) {
                guard inWindow(stories[Int(story)].lastTime, stories[Int(other)].lastTime, parameters.storyWindowHours)
                else { continue }
                let score = storyScore(story, other)
                if score >= Float(parameters.mergeThreshold) {
                    pairs.append((min(story, other), max(story, other), score))
                }
            }
        }
        return pairs
    }

    /// Merge passes over the stories each pass changed, until none merges (at most `rounds`): close to
    /// agglomerative average linkage over the window, at the cost of a few linear passes.
    mutating func mergeUntilStable(
        _ subjects: [Int32]?, rounds: Int, inWindow: @Sendable (Double, Double, Double) -> Bool
    ) {
        var merged = mergePass(stories: subjects, inWindow: inWindow)
        var round = 1
        while merged > 0 && round < rounds {
            merged = mergePass(inWindow: inWindow)
            round += 1
        }
    }

    /// Joins two stories; the one created first survives, so replaying the same articles gives the same ids.
    private mutating func merge(_ first: Int32, _ second: Int32, score: Float) {
        let (keep, gone) = first < second ? (first, second) : (second, first)
        var survivor = stories[Int(keep)]
        let absorbed = stories[Int(gone)]
        survivor.centroid.add(absorbed.centroid, keeping: parameters.centroidTerms)
        survivor.weight += absorbed.weight
        survivor.members.append(contentsOf: absorbed.members)
        survivor.lastArrival = max(survivor.lastArrival, absorbed.lastArrival)
        if !absorbed.lastTime.isNaN {
            survivor.lastTime = survivor.lastTime.isNaN ? absorbed.lastTime : max(survivor.lastTime, absorbed.lastTime)
        }
        stories[Int(keep)] = survivor
        stories[Int(gone)].parent = keep
        parents[Int(gone)] = keep
        stories[Int(gone)].mergeScore = score
        stories[Int(gone)].members = []
        stories[Int(gone)].centroid = SparseVector()
        index(keep)
        touched.append(keep)
    }

    /// Rebuilds the centroids of `subjects` from their members with today's document frequencies.
    mutating func rebuildCentroids(_ subjects: [Int32]) {
        for story in subjects {
            var centroid = SparseVector()
            let members = stories[Int(story)].members
            let recent = members.suffix(parameters.centroidMembers)
            for member in recent where articleStart[Int(member)] < articleStart[Int(member) + 1] {
                centroid.add(vector(of: member))
            }
            centroid.prune(to: parameters.centroidTerms)
            stories[Int(story)].centroid = centroid
            stories[Int(story)].weight = Float(recent.count)
            index(story)
        }
    }

    /// Clusters the recent window again with today's document frequencies: the single pass over the window's
    /// articles, in their order, against what remains of older stories. Early articles of a stream were placed
    /// while the words that tie them were still rare or unknown; this second pass costs as much as the first did
    /// for the window, so the whole stays linear.
    /// - Returns: per window article, the story it joined and its score (nil for an article that founded one).
    mutating func recluster(
        _ articles: [Int32], times: [Double], inWindow: (Double, Double, Double) -> Bool
    )
        -> [(story: Int32, score: Float)?]
    {
        // Flags by article and by story rather than sets: one look-up per posting entry below, over every term.
        var inWindowSet = [Bool](repeating: false, count: storyOf.count)
        for article in articles { inWindowSet[Int(article)] = true }
        var affected = [Bool](repeating: false, count: stories.count)
        var affectedList: [Int32] = []
        for index in stories.indices where inWindowSet[Int(stories[index].founder)] {
            affected[index] = true
            affectedList.append(Int32(index))
        }
        for article in articles {
            let story = find(storyOf[Int(article)])
            if !affected[Int(story)] {
                affected[Int(story)] = true
                affectedList.append(story)
            }
        }
        affectedList.sort()
        var survivors: [Int32] = []
        for story in affectedList {
            var entry = stories[Int(story)]
            if inWindowSet[Int(entry.founder)] {
                // Founded inside the window: the second pass founds its stories anew.
                entry.members = []
                entry.centroid = SparseVector()
                entry.weight = 0
            } else {
                entry.members.removeAll { inWindowSet[Int($0)] }
                entry.lastTime = .nan
                entry.lastArrival = entry.members.last ?? entry.founder
                for member in entry.members where !times[Int(member)].isNaN {
                    entry.lastTime =
                        entry.lastTime.isNaN ? times[Int(member)] : max(entry.lastTime, times[Int(member)])
                }
                if !entry.members.isEmpty { survivors.append(story) }
            }
            stories[Int(story)] = entry
        }
        // Forget where the first pass indexed these stories, so the order it saw cannot steer the second pass.
        for term in postings.indices where postings[term].contains(where: { affected[Int($0)] }) {
            postings[term].removeAll { affected[Int($0)] }
        }
        rebuildCentroids(survivors)
        var result: [(story: Int32, score: Float)?] = []
        result.reserveCapacity(articles.count)
        for article in articles {
            let vector = vector(of: article)
            let time = times[Int(article)]
            var best: (story: Int32, score: Float)?
            if !vector.isEmpty {
                for story in candidates(for: vector, excluding: -1) where stories[Int(story)].weight > 0 {
                    guard inWindow(time, stories[Int(story)].lastTime, parameters.storyWindowHours) else { continue }
                    let score = articleScore(vector, story)
                    if score >= Float(parameters.storyThreshold) && score > (best?.score ?? -1) {
                        best = (story, score)
                    }
                }
            }
            let story: Int32
            if let best {
                story = best.story
            } else {
                story = Int32(stories.count)
                stories.append(Story(founder: article, parent: story, lastArrival: article))
                parents.append(story)
            }
            storyOf[Int(article)] = story
            join(article, vector: vector, story: story, time: time)
            result.append(best)
        }
        return result
    }

    /// Moves recent articles to the story whose centroid they are now closest to (founders stay, so story ids
    /// keep naming one of their members).
    /// - Returns: the articles moved, with the story they moved to and its cosine.
    mutating func reassign(
        _ articles: [Int32], inWindow: (Double, Double, Double) -> Bool, times: [Double]
    )
        -> [(article: Int32, story: Int32, score: Float)]
    {
        var moved: [(article: Int32, story: Int32, score: Float)] = []
        for article in articles {
            let current = find(storyOf[Int(article)])
            guard parameters.moveFounders != 0 || stories[Int(current)].founder != article else { continue }
            guard stories[Int(current)].members.count > 1 else { continue }
            let vector = vector(of: article)
            guard !vector.isEmpty else { continue }
            let here = articleScore(vector, current)
            var best: (story: Int32, score: Float)?
            for story in candidates(for: vector, excluding: current) {
                guard inWindow(times[Int(article)], stories[Int(story)].lastTime, parameters.storyWindowHours)
                else { continue }
                let score = articleScore(vector, story)
                if score > here + Float(parameters.moveMargin) && score >= Float(parameters.storyThreshold)
                    && score > (best?.score ?? -1)
                {
                    best = (story, score)
                }
            }
            guard let best else { continue }
            if let position = stories[Int(current)].members.firstIndex(of: article) {
                stories[Int(current)].members.remove(at: position)
            }
            stories[Int(best.story)].members.append(article)
            storyOf[Int(article)] = best.story
            moved.append((article, best.story, best.score))
        }
        return moved
    }

    /// Other stories close in topic to `story`, best first.
    /// - Parameter norms: centroid norms by story, NaN until computed; the caller keeps it while no centroid changes
    ///   (the final pass asks every story, and each would otherwise compute its candidates' norms again).
    /// Every story's centroid norm, by story: what `related(to:)` divides by.
    func centroidNorms() -> [Float] {
        stories.map(\.centroid.norm)
    }

    func related(
        to story: Int32, count: Int, norms: [Float], scratch: inout CandidateScratch,
        inWindow: (Double, Double, Double) -> Bool
    ) -> [Int32] {
        let centroid = stories[Int(story)].centroid
        guard count > 0, !centroid.isEmpty else { return [] }
        func norm(_ story: Int32) -> Float { norms[Int(story)] }
        let storyNorm = norm(story)
        let storyWeight = stories[Int(story)].weight
        let lastTime = stories[Int(story)].lastTime
        var scored: [(story: Int32, score: Float)] = []
        for other in candidates(
            for: centroid, excluding: story, limit: 2 * Self.exactCandidates, scratch: &scratch)
        {
            let otherTime = stories[Int(other)].lastTime
            guard inWindow(lastTime, otherTime, parameters.relatedWindowHours) else { continue }
            // `cosine` and `storyScore` share one dot product.
            let dot = stories.withUnsafeBufferPointer { centroid.dot($0[Int(other)].centroid) }
            let denominator = storyNorm * norm(other)
            let score = denominator > 0 ? dot / denominator : 0
            guard score >= Float(parameters.relatedThreshold) else { continue }
            // Closer than `relatedCeiling` (average linkage) reads as a piece of the same story that the merge
            // pass left apart, not as a related post. That reading holds only where the merge pass could have
            // joined them: stories further apart in time than the story window are different events.
            if parameters.relatedCeiling < 1 && inWindow(lastTime, otherTime, parameters.storyWindowHours) {
                let otherWeight = stories[Int(other)].weight
                let closeness: Float
                if parameters.linkage == 0 {
                    closeness = score
                } else {
                    closeness = storyWeight > 0 && otherWeight > 0 ? dot / (storyWeight * otherWeight) : 0
                }
                guard closeness < Float(parameters.relatedCeiling) else { continue }
            }
            scored.append((other, score))
        }
        scored.sort { $0.score != $1.score ? $0.score > $1.score : $0.story < $1.story }
        return scored.prefix(count).map(\.story)
    }

    var touchedCount: Int { touched.count }
}
