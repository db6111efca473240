import Foundation
import TributaryLinker

/// A deterministic stream of news articles shaped like a newsroom's day: most stories told once, some carried by
/// many outlets as exact copies (tracking parameters on the link), lightly edited copies, or rewrites in other
/// words, in date order. Only the generator's seed decides the text, so every run links the same articles.
struct SyntheticArticles {
    private var state: UInt64
    private let vocabulary: [String]
    private var story = 0
    private var pending: [LinkInput] = []
    private var clock = Date(timeIntervalSince1970: 1_735_689_600)
    private var produced = 0

    init(seed: UInt64 = 20_250_314, vocabularySize: Int = 40_000) {
        state = seed
        let syllables = [
            "al", "ber", "cor", "dan", "el", "fen", "gar", "hol", "is", "jor", "kel", "lin", "mar", "nor", "ol", "pra",
            "quin", "ros", "sel", "tor", "ul", "ver", "wes", "xan", "yor", "zel", "an", "bri", "cas", "dre", "ev",
        ]
        var words: [String] = []
        var generator = state
        for _ in 0..<vocabularySize {
            var word = ""
            generator = generator &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            var bits = generator >> 20
            for _ in 0..<(2 + Int(bits % 3)) {
                bits /= 3
                word += syllables[Int(bits % UInt64(syllables.count))]
                bits /= UInt64(syllables.count)
            }
            words.append(word)
        }
        vocabulary = words
    }

    private mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var value = state
        value = (value ^ (value >> 30)) &* 0xbf58_476d_1ce4_e5b9
        value = (value ^ (value >> 27)) &* 0x94d0_49bb_1331_11eb
        return value ^ (value >> 31)
    }

    private mutating func unit() -> Double { Double(next() >> 11) / Double(1 << 53) }

    /// A word with a Zipf-like skew: common words often, rare words seldom.
    private mutating func word() -> String {
        let rank = Int(pow(unit(), 3) * Double(vocabulary.count))
        return vocabulary[min(rank, vocabulary.count - 1)]
    }

    private mutating func words(_ count: Int, keys: [String]) -> [String] {
        (0..<count).map { _ in unit() < 0.25 ? keys[Int(next() % UInt64(keys.count))] : word() }
    }

    /// The next `count` articles of the stream.
    mutating func batch(_ count: Int) -> [LinkInput] {
        var out: [LinkInput] = []
        out.reserveCapacity(count)
        while out.count < count {
            if pending.isEmpty { makeStory() }
            out.append(pending.removeLast())
        }
        return out
    }

    private mutating func makeStory() {
        story += 1
        clock.addTimeInterval(unit() * 6)  // about 20,000 articles a day
        let keys = (0..<6).map { _ in vocabulary[Int(next() % UInt64(vocabulary.count))] }
        let title = words(8, keys: keys)
        let lead = words(60, keys: keys)
        let size = unit() < 0.6 ? 1 : 2 + Int(pow(unit(), 4) * 40)
        let host = "outlet\(next() % 5000).example"
        let link = "https://www.\(host)/\(story)/\(title.prefix(4).joined(separator: "-"))"
        for member in 0..<size {
            produced += 1
            let published = clock.addingTimeInterval(unit() * 12 * 3600)
            var memberTitle = title
            var memberLead = lead
            var memberLink = "https://feed\(next() % 5000).example/\(story)/\(member)"
            switch member == 0 ? 0 : next() % 4 {
            case 0:
                break
            case 1:  // the same page, syndicated with tracking parameters
                memberLink = link + "?utm_source=rss&utm_medium=feed&fbclid=\(next() % 100_000)"
            case 2:  // a lightly edited copy
                for _ in 0..<3 { memberLead[Int(next() % UInt64(memberLead.count))] = word() }
                memberTitle.append(contentsOf: ["-", "\(host)"])
            default:  // another outlet's rewrite: the same names, other words
                memberTitle = words(8, keys: keys)
                memberLead = words(40, keys: keys) + lead.prefix(20)
            }
            pending.append(
                LinkInput(
                    id: "a\(produced)", title: memberTitle.joined(separator: " "),
                    summary: memberLead.joined(separator: " "), link: member == 0 ? link : memberLink,
                    source: "feed\(member)", published: published, firstSeen: published, priority: 0))
        }
    }
}
