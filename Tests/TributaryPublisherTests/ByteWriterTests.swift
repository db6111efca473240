import Foundation
import Testing
import TributaryCore

@testable import TributaryPublisher

/// The byte-level writers against plain reference versions: the fast paths (eight bytes at a time, dates and
/// numbers without strings, escaping twice in one pass, streaming SHA-1) must give exactly the bytes the simple
/// way gives, whatever falls on a word boundary.
@Suite struct ByteWriterTests {
    /// The characters we never publish, per `XMLCharacters.forbiddenLength`.
    private static func forbidden(_ scalar: Unicode.Scalar) -> Bool {
        let value = scalar.value
        if value < 0x20 { return value != 0x09 && value != 0x0A && value != 0x0D }
        return (0x80...0x9F).contains(value) || value == 0xFFFE || value == 0xFFFF
    }

    private static func referenceEscape(_ text: String, replacements: [Unicode.Scalar: String]) -> String {
        var out = ""
        for scalar in text.unicodeScalars where !forbidden(scalar) {
            if let replacement = replacements[scalar] { out += replacement } else { out.unicodeScalars.append(scalar) }
        }
        return out
    }

    private static let xml: [Unicode.Scalar: String] = [
        "<": "&lt;", "&": "&amp;", ">": "&gt;", "\"": "&quot;", "\r": "&#13;",
    ]
    private static let attribute: [Unicode.Scalar: String] = xml.merging(["\t": "&#9;", "\n": "&#10;"]) { $1 }
    private static let hex: [Unicode.Scalar: String] = xml.merging(["<": "&#x3C;", "&": "&#x26;"]) { $1 }
    private static let json: [Unicode.Scalar: String] = [
        "\"": "\\\"", "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t",
    ]

    /// Every special character at every offset of a 20-character run, so each lands at each place in a word.
    private static let samples: [String] = {
        let specials = [
            "<", "&", ">", "\"", "\\", "\r", "\n", "\t", "\u{1}", "\u{7F}", "\u{85}", "\u{9F}", "\u{A0}", "«", "ü",
            "\u{FFFE}", "\u{FFFF}", "\u{FFFD}", "Ж", "€", "]", "]]>", "😀",
        ]
        var samples = ["", "plain ascii text that is longer than a word or two", "Вести из региона"]
        for special in specials {
            for offset in 0..<20 {
                samples.append(
                    String(repeating: "a", count: offset) + special + String(repeating: "b", count: 19 - offset))
            }
            samples.append(String(repeating: special, count: 9))
        }
        return samples
    }()

    private static func written(_ write: (inout ByteWriter) -> Void) -> String {
        var writer = ByteWriter()
        write(&writer)
        return String(decoding: writer.bytes, as: UTF8.self)
    }

    @Test func escapingMatchesTheReference() {
        for sample in Self.samples {
            #expect(Self.written { $0.xmlText(sample) } == Self.referenceEscape(sample, replacements: Self.xml))
            #expect(
                Self.written { $0.xmlText(sample, attribute: true) }
                    == Self.referenceEscape(sample, replacements: Self.attribute))
            #expect(
                Self.written { $0.xmlText(sample, hexReferences: true) }
                    == Self.referenceEscape(sample, replacements: Self.hex))
            #expect(
                Self.written { $0.jsonString(sample) } == "\"" + Self.referenceEscape(sample, replacements: Self.json)
                    + "\"")
        }
    }

    @Test func cleaningAndMarkupChecksMatchTheReference() {
        for sample in Self.samples {
            let kept = String(String.UnicodeScalarView(sample.unicodeScalars.filter { !Self.forbidden($0) }))
            #expect(XMLCharacters.clean(sample) == kept)
            #expect(XMLCharacters.containsMarkup(sample) == (sample.contains("<") || sample.contains("&")))
        }
    }

    @Test func escapingTwiceIsEscapingTheEscapedText() {
        for sample in Self.samples {
            let once = Self.written { $0.xmlText(sample) }
            #expect(Self.written { $0.xmlTextTwice(sample) } == Self.written { $0.xmlText(once) })
        }
    }

    @Test func cdataMatchesTheReference() {
        for sample in Self.samples {
            let kept = String(String.UnicodeScalarView(sample.unicodeScalars.filter { !Self.forbidden($0) }))
            let expected = "<![CDATA[" + kept.replacingOccurrences(of: "]]>", with: "]]]]><![CDATA[>") + "]]>"
            #expect(Self.written { $0.cdata(sample) } == expected)
        }
    }

    @Test func datesMatchDateText() {
        let instants: [Double] = [
            0, -1, 951_782_400.9, 1_795_980_411, 1_795_000_000.5, -62_135_596_800, -62_135_596_801, 253_402_300_799,
            1e12, .nan, .infinity, -.infinity, 86_399, 4_102_444_800, 1_709_164_800,
        ]
        for instant in instants {
            let date = Date(timeIntervalSince1970: instant)
            #expect(Self.written { $0.rfc3339(date) } == DateText.rfc3339(date))
            #expect(Self.written { $0.rfc822(date) } == DateText.rfc822(date))
        }
        for day in stride(from: -800_000, through: 2_900_000, by: 9_973) {
            let date = Date(timeIntervalSince1970: Double(day) * 86_400 + 3_723)
            #expect(Self.written { $0.rfc3339(date) } == DateText.rfc3339(date))
            #expect(Self.written { $0.rfc822(date) } == DateText.rfc822(date))
        }
    }

    @Test func numbersMatchTheirDescription() {
        for value: Int64 in [0, 7, 10, 99, 100, 1_234_567, -1, -42, .max, .min] {
            #expect(Self.written { $0.decimal(value) } == String(value))
        }
        for (value, width) in [(0, 2), (5, 2), (12, 2), (123, 2), (7, 4), (2026, 4), (12_345, 4)] {
            let digits = String(value)
            let padded = String(repeating: "0", count: max(0, width - digits.count)) + digits
            #expect(Self.written { $0.digits(value, width) } == padded)
        }
    }

    @Test func streamingSHA1MatchesKnownDigests() {
        func hex(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }
        // FIPS 180 examples: 56 bytes (the padding spills into a second block) and a million a's.
        #expect(
            hex(SHA1.digest(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)))
                == "84983e441c3bd26ebaae4aa1f95129e5e54670f1")
        #expect(
            hex(SHA1.digest([UInt8](repeating: 0x61, count: 1_000_000))) == "34aa973cd4c4daa4f61eeb2bdbad27316534016f")
        #expect(hex(SHA1.digest([])) == "da39a3ee5e6b4b0d3255bfef95601890afd80709")
        // Fed in pieces of every size, the digest is the same as in one piece.
        let message = Array((0..<300).map { UInt8(truncatingIfNeeded: $0 &* 7) })
        let whole = SHA1.digest(message)
        for piece in [1, 3, 63, 64, 65, 128] {
            var hasher = SHA1()
            var offset = 0
            while offset < message.count {
                let end = min(offset + piece, message.count)
                message[offset..<end].withUnsafeBytes { hasher.update($0) }
                offset = end
            }
            #expect(hasher.finalize() == whole)
        }
    }

    @Test func derivedIDsHashTheFeedURLAndTheEntryID() {
        for (feed, id) in [("https://example.com/feed", "guid-1"), ("", ""), ("/local/path.rss", "Ж € 😀")] {
            #expect(NameUUID.urn(feedURL: feed, entryID: id) == NameUUID.urn(for: feed + "\n" + id))
        }
        #expect(NameUUID.urn(for: "x").utf8.count == 45)
    }
}

/// Entries of one feed share the work of describing where they came from, but never across different metadata.
@Suite struct OriginSharingTests {
    private func entry(_ index: Int, feedTitle: String, feedURL: String = "https://feed.example/rss") -> PublishedEntry
    {
        PublishedEntry(
            article: Article(
                id: "https://feed.example/\(index)", title: "Story \(index)", link: "https://feed.example/\(index)",
                published: Date(timeIntervalSince1970: 1_795_000_000 + Double(index))),
            feed: FeedInfo(title: feedTitle, link: "https://feed.example/"), feedURL: feedURL,
            firstSeen: Date(timeIntervalSince1970: 1_795_100_000))
    }

    @Test func sameFeedURLWithOtherMetadataKeepsItsOwnOrigin() {
        let prepared = EntryPreparation.prepare([
            entry(1, feedTitle: "First name"), entry(2, feedTitle: "First name"), entry(3, feedTitle: "Renamed"),
            entry(4, feedTitle: "Other", feedURL: "https://other.example/rss"),
        ])
        let titles = Dictionary(uniqueKeysWithValues: prepared.map { ($0.id, $0.origin.title) })
        #expect(titles["https://feed.example/1"] == "First name")
        #expect(titles["https://feed.example/2"] == "First name")
        #expect(titles["https://feed.example/3"] == "Renamed")
        #expect(titles["https://feed.example/4"] == "Other")
        let first = prepared.first { $0.id == "https://feed.example/1" }
        let second = prepared.first { $0.id == "https://feed.example/2" }
        #expect(first?.origin === second?.origin)
        #expect(prepared.first { $0.id == "https://feed.example/4" }?.origin.selfLink == "https://other.example/rss")
    }
}

/// Plain text from HTML by scalars (the fast way, for text without combining sequences) against by characters.
@Suite struct PlainTextTests {
    private static let samples = [
        "", "plain", "<p>Summary of story 12, with <b>some</b> markup &amp; an ümlaut.</p>",
        "<p>Вести из региона &amp; the river valley: «quoted» text, <a href=\"https://example.com/x\">a link</a>.</p>",
        "  lead\r\n\ttrail  ", "a &lt;b&gt; c &quot;d&quot; &apos;e&apos; f&nbsp;g", "&#65;&#x42;&#x1F600;&#0;&#xD800;",
        "&unknown; &toolongentityname; &am p; & alone &", "&amp", "a & <b> c", "tag <never closed", "x&#x30",
        "numbers &#1234567890123; &#x;", "ΑΒΓ δεζ — “quotes” … € ™ ← ↑ 中文字符", "\u{85}next\u{A0}line\u{2028}sep",
        "<br/><br/>  <p> </p>", "&#x301;e&#769;", "&Ж1;", "&#10;&#13;&#9;", String(repeating: "word ", count: 200),
    ]

    @Test func scalarsGiveWhatCharactersGive() {
        for sample in Self.samples {
            #expect(PlainText.isSimple(sample))
            for limit in [Int.max, 600, 200, 7, 1, 0] {
                #expect(
                    PlainText.fromScalars(sample, limit: limit) == PlainText.fromCharacters(sample, limit: limit),
                    "\(sample) limit \(limit)")
            }
        }
    }

    @Test func textWithCombiningSequencesTakesTheCharacterPath() {
        for sample in ["e\u{301}", "👍🏽 ok", "a\u{200D}b", "🇫🇷", "क्षि"] {
            #expect(!PlainText.isSimple(sample))
            #expect(PlainText.from(html: sample) == PlainText.fromCharacters(sample, limit: .max))
        }
    }
}
