import Foundation
import Testing
import TributaryCore

@testable import TributaryLinker

// MARK: - Canonical URLs

@Test(arguments: [
    ("https://www.example.com/news/story/?utm_source=rss&utm_medium=feed", "https://example.com/news/story"),
    ("http://example.com:80/news/story#comments", "https://example.com/news/story"),
    ("https://m.example.com/news/story?fbclid=abc&gclid=def", "https://example.com/news/story"),
    ("https://amp.example.com/news/story/amp/", "https://example.com/news/story"),
    ("https://example.com/amp/news/story", "https://example.com/news/story"),
    ("HTTPS://EXAMPLE.COM/News/Story?b=2&a=1&mc_cid=x&mc_eid=y", "https://example.com/News/Story?a=1&b=2"),
    ("https://example.com:8443/a?ref=twitter&igshid=1", "https://example.com:8443/a"),
    ("https://example.com/story.amp.html", "https://example.com/story.html"),
    ("https://example.com/", "https://example.com/"),
    ("https://example.com", "https://example.com/"),
    ("https://example.com/a%2fb", "https://example.com/a%2Fb"),
])
func canonicalURLFoldsSpellingsOfOnePage(input: String, expected: String) {
    #expect(CanonicalURL.canonicalize(input) == expected)
}

@Test func onlyLinksWithASchemeSeparatorCountAsURLs() {
    for link in ["https://example.com/a", "a://", "x:://y", "feed:https://example.com"] {
        #expect(Linker.hasScheme(link), "\(link)")
    }
    for link in ["", ":/", "example.com/a", "http:/example.com", "mailto:someone@example.com", "a:/ /b"] {
        #expect(!Linker.hasScheme(link), "\(link)")
    }
}

@Test func canonicalURLKeepsWhatIdentifiesThePage() {
    #expect(
        CanonicalURL.canonicalize("https://example.com/item?id=7")
            != CanonicalURL.canonicalize("https://example.com/item?id=8"))
    #expect(CanonicalURL.canonicalize("https://example.com/a") != CanonicalURL.canonicalize("https://example.org/a"))
    #expect(CanonicalURL.canonicalize("  urn:uuid:1234  ") == "urn:uuid:1234")
}

// MARK: - Text

@Test func tokenizerStripsMarkupAndFoldsWords() {
    var tokenizer = Tokenizer()
    var html: [Token] = []
    tokenizer.tokenize(
        "<p>Z&uuml;rich <a href=\"https://x.example/checked\">checks</a> &amp; Zürich</p>", isTitle: false, limit: 100,
        into: &html)
    var plain: [Token] = []
    tokenizer.tokenize("zurich check zurich", isTitle: false, limit: 100, into: &plain)
    #expect(html.map(\.hash) == plain.map(\.hash))
    var stems: [Token] = []
    tokenizer.tokenize("checked checking checks", isTitle: false, limit: 100, into: &stems)
    #expect(Set(stems.map(\.hash)).count == 1)
}

@Test func tokenizerFastAndGeneralPathsAgree() {
    // A plain ASCII word ending at a space takes the fast path; the same word before an entity or a non-ASCII
    // letter, or longer than the scratch buffer, goes through the general one. Both must give the same tokens.
    var tokenizer = Tokenizer()
    let long = String(repeating: "Ab", count: 40)
    var fast: [Token] = []
    tokenizer.tokenize("Mayor Checked the Boxes, said \(long) 2013 studies", isTitle: false, limit: 100, into: &fast)
    var general: [Token] = []
    tokenizer.tokenize(
        "Mayor&nbsp;Checked&nbsp;the&nbsp;Boxes&#44;said&nbsp;\(long)&nbsp;2013&nbsp;studies", isTitle: false,
        limit: 100, into: &general)
    #expect(fast.map(\.hash) == general.map(\.hash))
    #expect(fast.map(\.flags) == general.map(\.flags))
    var folded: [Token] = []
    tokenizer.tokenize("Zurich café", isTitle: true, limit: 100, into: &folded)
    var accented: [Token] = []
    tokenizer.tokenize("Zürich cafe", isTitle: true, limit: 100, into: &accented)
    #expect(folded.map(\.hash) == accented.map(\.hash))
}

@Test func tokenizerMarksNamesStopwordsAndNumbers() {
    var tokenizer = Tokenizer()
    var tokens: [Token] = []
    tokenizer.tokenize("The mayor met Lindsay in 2013.", isTitle: false, limit: 100, into: &tokens)
    #expect(tokens.count == 6)
    #expect(tokens[0].flags & Token.stopword != 0)  // "the"
    #expect(tokens[0].flags & Token.capitalised == 0)  // sentence start is not a name
    #expect(tokens[3].flags & Token.capitalised != 0)  // "Lindsay"
    #expect(tokens[5].flags & Token.number != 0)  // "2013"
}

// MARK: - Selection by weight

/// A small deterministic generator, so the selection tests see many shapes without depending on a seed elsewhere.
private struct SplitMix {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        return Tokenizer.mix(state)
    }
}

@Test func rankKeySelectionsAgreeWithAFullSort() {
    var random = SplitMix(state: 7)
    for round in 0..<300 {
        let count = 1 + Int(random.next() % 140)
        // Few distinct weights, so ties (broken by position) are common.
        let weights = (0..<count).map { _ in Float(random.next() % 9) / 4 }
        let keys = weights.enumerated().map { RankKey.make($0.element, $0.offset) }
        let expected = Array(0..<count).sorted { weights[$0] != weights[$1] ? weights[$0] > weights[$1] : $0 < $1 }
        #expect(keys.sorted().map(RankKey.position) == expected, "round \(round)")
        let wanted = 1 + Int(random.next() % UInt64(count))
        var ordered = keys
        ordered.withUnsafeMutableBufferPointer { RankKey.selectSmallest($0, wanted) }
        #expect(ordered.prefix(wanted).map(RankKey.position) == Array(expected.prefix(wanted)), "round \(round)")
        var shuffled = keys
        let pivot = shuffled.withUnsafeMutableBufferPointer { RankKey.smallest(rank: wanted - 1, of: $0) }
        #expect(RankKey.position(pivot) == expected[wanted - 1], "round \(round)")
        #expect(Set(shuffled.prefix(wanted).map(RankKey.position)) == Set(expected.prefix(wanted)), "round \(round)")
    }
}

@Test func pruningKeepsTheHeaviestTermsInTermOrder() {
    var random = SplitMix(state: 11)
    for _ in 0..<200 {
        let count = 1 + Int(random.next() % 120)
        var vector = SparseVector()
        var term: Int32 = 0
        for _ in 0..<count {
            term += 1 + Int32(random.next() % 5)
            vector.terms.append(term)
            vector.weights.append(Float(random.next() % 7) / 3)
        }
        let limit = 1 + Int(random.next() % 70)
        let order = vector.terms.indices.sorted {
            vector.weights[$0] != vector.weights[$1] ? vector.weights[$0] > vector.weights[$1] : $0 < $1
        }
        let keep = order.prefix(limit).sorted()
        var pruned = vector
        pruned.prune(to: limit)
        #expect(pruned.terms == keep.map { vector.terms[$0] })
        #expect(pruned.weights == keep.map { vector.weights[$0] })
        #expect(vector.topTerms(5) == order.prefix(5).map { vector.terms[$0] })
    }
}

// MARK: - Duplicates

private let agencyText = """
    The city council approved the long-awaited transport budget on Tuesday after months of debate, \
    allocating funds for new tram lines, cycle lanes and a rebuilt central station. The mayor said \
    work would begin next spring and finish within four years, while critics warned about rising costs.
    """

private func link(_ articles: [LinkInput], settings: LinkSettings = LinkSettings()) -> [String: LinkDecision] {
    var linker = Linker(settings: settings)
    linker.add(articles)
    let decisions = linker.finish()
    #expect(decisions.map(\.id) == articles.map(\.id))
    return Dictionary(uniqueKeysWithValues: decisions.map { ($0.id, $0) })
}

@Test func urlVariantsAndTrackingParametersAreOneArticle() throws {
    let decisions = link([
        LinkInput(id: "a", title: "Council approves budget", link: "https://www.city.example/budget/"),
        LinkInput(
            id: "b", title: "Different headline", link: "http://city.example/budget?utm_source=twitter&fbclid=1"),
        LinkInput(id: "c", title: "Mobile copy", link: "https://m.city.example/budget/amp"),
        LinkInput(id: "d", title: "Unrelated", link: "https://city.example/zoo"),
    ])
    #expect(decisions["a"]?.duplicateOf == nil)
    #expect(decisions["b"]?.duplicateOf == "a")
    #expect(decisions["c"]?.duplicateOf == "a")
    #expect(decisions["d"]?.duplicateOf == nil)
    let reason = try #require(decisions["b"]?.reasons.first)
    #expect(reason.rule == .canonicalURL && reason.matched == "a" && reason.score == 1)
}

@Test func canonicalLinkWinsOverTheFeedLink() {
    let decisions = link([
        LinkInput(id: "a", title: "One", link: "https://paper.example/story-1"),
        LinkInput(
            id: "b", title: "Two", link: "https://aggregator.example/r/9931",
            canonicalLink: "https://paper.example/story-1/"),
    ])
    #expect(decisions["b"]?.duplicateOf == "a")
}

@Test func lightlyEditedCopiesAreNearDuplicates() throws {
    let edited = agencyText.replacingOccurrences(of: "The mayor said", with: "The mayor told reporters")
        .replacingOccurrences(of: "on Tuesday", with: "on Tuesday evening")
    let decisions = link([
        LinkInput(id: "wire", title: "Council approves transport budget", summary: agencyText),
        LinkInput(
            id: "copy", title: "Council approves transport budget - Daily Post", summary: "<p>\(edited)</p>",
            link: "https://post.example/1"),
        LinkInput(
            id: "other", title: "Storm closes harbour",
            summary: "A severe storm forced the port authority to close the harbour overnight, stranding ferries."),
    ])
    #expect(decisions["copy"]?.duplicateOf == "wire")
    #expect(decisions["other"]?.duplicateOf == nil)
    let reason = try #require(decisions["copy"]?.reasons.first)
    #expect(reason.rule == .nearDuplicate)
    #expect(reason.score >= 0.4 && reason.score < 1)
}

@Test func exactTextIsADuplicateWhateverTheLink() {
    let decisions = link([
        LinkInput(id: "a", title: "Council approves budget", summary: agencyText, link: "https://a.example/1"),
        LinkInput(id: "b", title: "COUNCIL approves <b>budget</b>", summary: agencyText, link: "https://b.example/2"),
    ])
    #expect(decisions["b"]?.duplicateOf == "a")
    #expect(decisions["b"]?.reasons.first?.rule == .textHash)
}

@Test func highestPriorityLeadsItsCopies() {
    let decisions = link([
        LinkInput(id: "first", title: "Budget", summary: agencyText, priority: 0),
        LinkInput(id: "preferred", title: "Budget", summary: agencyText, priority: 5),
        LinkInput(id: "late", title: "Budget", summary: agencyText, priority: 0),
    ])
    #expect(decisions["preferred"]?.duplicateOf == nil)
    #expect(decisions["first"]?.duplicateOf == "preferred")
    #expect(decisions["late"]?.duplicateOf == "preferred")
    #expect(Set(decisions.values.map(\.story)).count == 1)
}

@Test func earliestDateLeadsAmongEqualPriorities() {
    let day = Date(timeIntervalSince1970: 1_700_000_000)
    let decisions = link([
        LinkInput(id: "seen-first", title: "Budget", summary: agencyText, published: day.addingTimeInterval(3600)),
        LinkInput(id: "published-first", title: "Budget", summary: agencyText, published: day),
    ])
    #expect(decisions["seen-first"]?.duplicateOf == "published-first")
}

@Test func copiesFarApartInTimeAreNotNearDuplicates() {
    let day = Date(timeIntervalSince1970: 1_700_000_000)
    let edited = agencyText.replacingOccurrences(of: "The mayor said", with: "The mayor told reporters")
    let decisions = link([
        LinkInput(id: "old", title: "Council approves transport budget", summary: agencyText, published: day),
        LinkInput(
            id: "new", title: "Council approves transport budget", summary: edited,
            published: day.addingTimeInterval(30 * 86_400)),
    ])
    #expect(decisions["new"]?.duplicateOf == nil)
}

// MARK: - Stories

private func storyArticles() -> [LinkInput] {
    [
        LinkInput(
            id: "quake-1", title: "Strong earthquake strikes Qeshm island in southern Iran",
            summary:
                "A magnitude 5.9 earthquake hit Qeshm island, injuring dozens and damaging villages, Iranian media said."
        ),
        LinkInput(
            id: "lohan-1", title: "Lindsay Lohan checks into Betty Ford rehab clinic",
            summary: "Actress Lindsay Lohan entered the Betty Ford Center for a court-ordered 90-day rehab stay."),
        LinkInput(
            id: "quake-2", title: "Qeshm earthquake injures dozens as villages are damaged",
            summary: "Rescue teams reached villages on Qeshm island after the 5.9 magnitude earthquake in Iran."),
        LinkInput(
            id: "oscars-1", title: "Ellen DeGeneres to host the Oscars again",
            summary: "The Academy said comedian Ellen DeGeneres will host the Oscars ceremony next year."),
        LinkInput(
            id: "lohan-2", title: "Lohan enters Betty Ford Center for court-ordered rehab",
            summary: "Lindsay Lohan checked into the Betty Ford Center on Thursday to begin 90 days of rehab."),
        LinkInput(
            id: "quake-3", title: "Iran: earthquake on Qeshm island leaves dozens hurt",
            summary: "The 5.9 magnitude earthquake damaged homes in several Qeshm villages, officials in Iran said."),
        LinkInput(
            id: "oscars-2", title: "Academy picks Ellen DeGeneres as Oscars host",
            summary: "Ellen DeGeneres returns to host the Oscars, the Academy of Motion Picture Arts announced."),
    ]
}

private func partition(_ decisions: [String: LinkDecision]) -> Set<Set<String>> {
    Set(Dictionary(grouping: decisions.values, by: \.story).values.map { Set($0.map(\.id)) })
}

@Test func articlesAboutOneEventShareAStory() {
    let decisions = link(storyArticles())
    #expect(
        partition(decisions) == [
            ["quake-1", "quake-2", "quake-3"], ["lohan-1", "lohan-2"], ["oscars-1", "oscars-2"],
        ])
    // A story's id is the id of the article that founded it.
    #expect(decisions["quake-3"]?.story == "quake-1")
    #expect(decisions["lohan-2"]?.story == "lohan-1")
    #expect(decisions.values.allSatisfy { $0.duplicateOf == nil })
    let joined = decisions["quake-2"]?.reasons.first
    #expect(joined?.matched == "quake-1")
    #expect(joined.map { [.story, .reassigned, .storyMerge].contains($0.rule) } == true)
}

@Test func relatedNeverListsTheOwnStory() {
    let decisions = link(storyArticles())
    for decision in decisions.values {
        #expect(!decision.related.contains(decision.story))
        #expect(decision.related.count <= 5)
    }
}

@Test func replayingGivesTheSameDecisions() {
    let articles = storyArticles()
    #expect(link(articles) == link(articles))
    // Replaying the window and then adding new articles keeps the ids the window had.
    var linker = Linker(settings: LinkSettings())
    linker.add(Array(articles.prefix(4)))
    linker.add(Array(articles.dropFirst(4)))
    let streamed = Dictionary(uniqueKeysWithValues: linker.finish().map { ($0.id, $0) })
    #expect(streamed == link(articles))
}

/// A later run replays the window with the decisions the earlier run stored: those stay exactly as stored, even
/// placements this run's data alone would not make, and only the new articles are decided.
@Test func earlierDecisionsAreKeptAndOnlyNewArticlesDecided() {
    let articles = storyArticles()
    let first = link(articles)
    // Stored decisions as the store hands them back, one of them a placement the linker would not make today.
    var replay = articles.map { article -> LinkInput in
        var input = article
        if let decision = first[article.id] {
            input.earlier = EarlierDecision(story: decision.story, duplicateOf: decision.duplicateOf)
        }
        return input
    }
    replay[3].earlier = EarlierDecision(story: "lohan-1")  // oscars-1, filed under the Lohan story
    let copy = LinkInput(
        id: "quake-copy", title: articles[0].title, summary: articles[0].summary,
        link: "https://copies.example/quake")
    let follow = LinkInput(
        id: "quake-4", title: "Qeshm earthquake: dozens injured, villages damaged on the island",
        summary: "Iranian officials said the 5.9 magnitude earthquake on Qeshm island injured dozens in villages.")
    var linker = Linker(settings: LinkSettings())
    linker.add(replay)
    linker.add([copy, follow])
    let second = Dictionary(uniqueKeysWithValues: linker.finish().map { ($0.id, $0) })
    for article in replay {
        #expect(second[article.id]?.story == article.earlier?.story, "\(article.id)")
        #expect(second[article.id]?.duplicateOf == article.earlier?.duplicateOf, "\(article.id)")
    }
    // The new articles find what the kept ones are: a copy, and a story to join.
    #expect(second["quake-copy"]?.duplicateOf == "quake-1")
    #expect(second["quake-copy"]?.story == "quake-1")
    #expect(second["quake-4"]?.story == "quake-1")
}

/// Kept stories keep the id they were stored under when the article that founded them is no longer in the window,
/// and a group of copies is rebuilt whichever of its members comes first.
@Test func keptStoriesAndGroupsDoNotNeedTheirFounderOrLead() {
    let articles = storyArticles()
    var replay: [LinkInput] = []
    for article in articles where article.id != "quake-1" {  // the founder has expired
        var input = article
        input.earlier = EarlierDecision(story: article.id.hasPrefix("quake") ? "quake-1" : article.id)
        replay.append(input)
    }
    // A copy stored under a lead that arrives after it.
    replay.insert(
        LinkInput(
            id: "lohan-copy", title: articles[1].title, summary: articles[1].summary,
            earlier: EarlierDecision(story: "lohan-1", duplicateOf: "lohan-1")), at: 0)
    var linker = Linker(settings: LinkSettings())
    linker.add(replay)
    let decisions = Dictionary(uniqueKeysWithValues: linker.finish().map { ($0.id, $0) })
    #expect(decisions["quake-2"]?.story == "quake-1")
    #expect(decisions["quake-3"]?.story == "quake-1")
    #expect(decisions["lohan-copy"]?.duplicateOf == "lohan-1")
    #expect(decisions["lohan-1"]?.duplicateOf == nil)
    #expect(decisions["lohan-copy"]?.story == "lohan-1")
}

@Test func storiesDoNotDependOnTheOrderArticlesArriveIn() {
    let articles = storyArticles()
    #expect(partition(link(articles)) == partition(link(articles.reversed())))
    var shuffled = articles
    shuffled.swapAt(0, 6)
    shuffled.swapAt(2, 3)
    #expect(partition(link(articles)) == partition(link(shuffled)))
}

@Test func storiesFarApartInTimeStaySeparate() {
    let day = Date(timeIntervalSince1970: 1_700_000_000)
    var articles = storyArticles().filter { $0.id.hasPrefix("quake") }
    for index in articles.indices {
        articles[index].published = day.addingTimeInterval(Double(index) * 40 * 86_400)
    }
    #expect(Set(link(articles).values.map(\.story)).count == 3)
}

@Test func disabledLinkingMakesEveryArticleItsOwnStory() {
    let decisions = link(storyArticles(), settings: LinkSettings(enabled: false))
    #expect(decisions.values.allSatisfy { $0.story == $0.id && $0.duplicateOf == nil && $0.related.isEmpty })
}

@Test func parametersAreReadByNameAndClamped() {
    let parameters = LinkParameters(
        LinkSettings(related: 3, parameters: ["dupJaccard": 0.8, "storyThreshold": -4, "unknown": 1]))
    #expect(parameters.dupJaccard == 0.8)
    #expect(parameters.storyThreshold == 0.01)
    #expect(parameters.related == 3)
    #expect(LinkParameters.names.contains("mergeThreshold"))
}

@Test func duplicateOnlyModeKeepsCopiesAndSeparatesTheRest() {
    var articles = storyArticles()
    articles.append(LinkInput(id: "copy", title: articles[0].title, summary: articles[0].summary))
    let decisions = link(articles, settings: LinkSettings(parameters: ["storyLayer": 0]))
    #expect(decisions["copy"]?.duplicateOf == "quake-1")
    #expect(decisions["copy"]?.story == "quake-1")
    #expect(decisions["quake-2"]?.story == "quake-2")
    #expect(decisions.values.allSatisfy { $0.related.isEmpty })
}

@Test func refinementPassesKeepClearStoriesApart() {
    let settings = LinkSettings(parameters: ["refinePasses": 2, "moveFounders": 1, "recluster": 2, "mergeRounds": 3])
    let decisions = link(storyArticles(), settings: settings)
    #expect(
        partition(decisions) == [
            ["quake-1", "quake-2", "quake-3"], ["lohan-1", "lohan-2"], ["oscars-1", "oscars-2"],
        ])
}

@Test func relatedNamesStoriesThatExist() {
    let settings = LinkSettings(parameters: ["relatedThreshold": 0.01, "relatedCeiling": 1])
    // Unrelated events told with a shared closing phrase: related (a low threshold), never one story.
    var articles = storyArticles()
    let fillers = [
        "Central bank raises interest rates to curb inflation", "City opens new tram line to the airport",
        "Football club signs young striker from Brazil", "Museum returns stolen painting to owners",
        "Heatwave breaks temperature records across Spain", "Tech firm recalls faulty laptop batteries",
        "Farmers protest over new water rules", "Orchestra announces world tour for next spring",
    ]
    for (index, title) in fillers.enumerated() {
        articles.append(LinkInput(id: "filler-\(index)", title: title, summary: title + " after weeks of talks."))
    }
    let decisions = link(articles, settings: settings)
    let stories = Set(decisions.values.map(\.story))
    let related = decisions.values.flatMap(\.related)
    #expect(!related.isEmpty)
    #expect(related.allSatisfy { stories.contains($0) })
    #expect(decisions.values.allSatisfy { !$0.related.contains($0.story) })
}

@Test func aBackdatedLateArticleDoesNotTakeOverTheStoryId() {
    let day = Date(timeIntervalSince1970: 1_700_000_000)
    var articles = Array(storyArticles().filter { $0.id.hasPrefix("quake") }.prefix(2))
    articles[0].firstSeen = day
    articles[0].published = day
    articles[1].firstSeen = day.addingTimeInterval(7200)
    articles[1].published = day.addingTimeInterval(-3600)
    let decisions = link(articles)
    #expect(decisions["quake-1"]?.story == "quake-1")
    #expect(decisions["quake-2"]?.story == "quake-1")
}

// MARK: - Real-feed pitfalls

/// The sample feeds in examples/, as `tributary link` reads them: two unrelated posts of one site, published days
/// apart under /YYYY/MM/DD/ paths, share the path's numbers and nothing else, and stay apart.
@Test func datePathsAloneNeverMakeAStory() throws {
    let url = try #require(Bundle.module.url(forResource: "Fixtures/samples", withExtension: "jsonl"))
    let decoder = JSONDecoder()
    decoder.dateDecodingStrategy = .iso8601
    let inputs = try String(contentsOf: url, encoding: .utf8).split(separator: "\n").map {
        try decoder.decode(LinkInput.self, from: Data($0.utf8))
    }
    var linker = Linker(settings: LinkSettings())
    linker.add(inputs)
    let story = Dictionary(uniqueKeysWithValues: linker.finish().map { ($0.id, $0.story) })
    let tram = try #require(story["balkan-herald-20261123-tirana-tram"])
    let olives = try #require(story["balkan-herald-20261121-olives"])
    #expect(tram != olives)
}
