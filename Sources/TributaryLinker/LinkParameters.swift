internal import TributaryCore

/// The linker's numeric knobs, read by name from `LinkSettings.parameters` (feeds.json's `"link"` object).
///
/// Defaults were tuned on the ECB+ development stories and the syndicated corpus of `make_corpus.py`, and chosen
/// to be sensible for real feeds that carry dates. Windows are in hours and apply only when both articles have a
/// date (`published`, else `firstSeen`); without dates every article is inside every window.
///
/// | name | default | meaning |
/// |---|---|---|
/// | `dupJaccard` | 0.4 | estimated word-3-shingle Jaccard at or above which two articles are copies |
/// | `dupWindowHours` | 72 | copies are looked for among articles this close in time |
/// | `leadWords` | 60 | words of the summary (after the title) that the duplicate layer shingles |
/// | `storyThreshold` | 0.20 | similarity to a story needed to join it in the single pass (tight cores) |
/// | `mergeThreshold` | 0.14 | similarity at which the merge pass joins two stories |
/// | `storyLayer` | 1 | 0: duplicates only; every other article is its own story and nothing is related |
/// | `linkage` | 1 | 1: average linkage (mean cosine to the members); 0: cosine to the centroid |
/// | `storyWindowHours` | 96 | a story takes new articles while it was active this recently |
/// | `relatedThreshold` | 0.25 | centroid cosine needed to list another story as related |
/// | `relatedCeiling` | 0.125 | average-link similarity from which a near story inside the story window reads as a split-off piece of the same story, not a related one (1: off) |
/// | `relatedMutual` | 1 | 1: list a related story only when each story is among the other's nearest |
/// | `relatedWindowHours` | 720 | related stories are looked for this far back |
/// | `titleWeight` | 2 | how much a title word counts against a summary word |
/// | `nameWeight` | 1.5 | extra weight of capitalised words in running text (names tell stories apart) |
/// | `numberWeight` | 3 | extra weight of numbers (scores, counts, years tell one event of a kind from another) |
/// | `bigramWeight` | 0.3 | weight of adjacent content-word pairs against single words |
/// | `linkWeight` | 1 | how much a word of the link's path counts (0 ignores links) |
/// | `articleTerms` | 48 | terms kept per article vector |
/// | `centroidTerms` | 64 | terms kept per story centroid |
/// | `centroidMembers` | 40 | a centroid is a moving sum over about this many members, so it cannot drift |
/// | `mergeEvery` | 500 | articles between two streaming merge passes |
/// | `mergeRounds` | 1 | merge passes at the end, each over the stories the previous one changed |
/// | `recluster` | 1 | passes that cluster the recent window again with today's document frequencies |
/// | `refinePasses` | 0 | passes that move window articles to a closer story and merge again |
/// | `moveFounders` | 0 | 1: a story's founding article may move too (its id then names a story it left) |
/// | `moveMargin` | 0.05 | how much closer another story must be before an article moves |
/// | `activeArticles` | 20000 | how many recent articles the final passes revisit (with dates: also `storyWindowHours`) |
///
/// `LinkSettings.related` (default 5) is the number of related stories listed per story; `enabled: false` makes
/// every article its own story.
struct LinkParameters: Sendable, Hashable {
    var dupJaccard = 0.4
    var dupWindowHours = 72.0
    var leadWords = 60
    var storyThreshold = 0.20
    var mergeThreshold = 0.14
    var storyWindowHours = 96.0
    var relatedThreshold = 0.25
    var relatedWindowHours = 720.0
    var titleWeight = 2.0
    var nameWeight = 1.5
    var linkWeight = 1.0
    var linkage = 1
    var relatedCeiling = 0.125
    var relatedMutual = 1
    var storyLayer = 1
    var recluster = 1
    var mergeRounds = 1
    var refinePasses = 0
    var moveFounders = 0
    var moveMargin = 0.05
    var bigramWeight = 0.3
    var numberWeight = 3.0
    var articleTerms = 48
    var centroidTerms = 64
    var centroidMembers = 40
    var mergeEvery = 500
    var activeArticles = 20000
    var related = 5
    var enabled = true

    /// The names `LinkSettings.parameters` understands.
    static let names: [String] = [
        "dupJaccard", "dupWindowHours", "leadWords", "storyThreshold", "mergeThreshold", "storyWindowHours",
        "relatedThreshold", "relatedWindowHours", "titleWeight", "nameWeight", "linkWeight", "linkage",
        "relatedCeiling", "relatedMutual",
        "storyLayer",
        "recluster",
        "mergeRounds", "refinePasses", "moveFounders", "moveMargin", "bigramWeight",
        "numberWeight", "articleTerms", "centroidTerms",
        "centroidMembers", "mergeEvery", "activeArticles",
    ]

    init() {}

    /// Reads the settings; unknown names are ignored (feeds.json validation reports them), out-of-range values
    /// are clamped to something that still works.
    init(_ settings: LinkSettings) {
        enabled = settings.enabled
        related = max(0, settings.related)
        let values = settings.parameters
        func real(_ name: String, _ value: inout Double, _ range: ClosedRange<Double>) {
            if let given = values[name], given.isFinite { value = min(max(given, range.lowerBound), range.upperBound) }
        }
        func whole(_ name: String, _ value: inout Int, _ range: ClosedRange<Int>) {
            if let given = values[name], given.isFinite {
                value = min(max(Int(given.rounded()), range.lowerBound), range.upperBound)
            }
        }
        real("dupJaccard", &dupJaccard, 0.05...1)
        real("dupWindowHours", &dupWindowHours, 0...1e6)
        whole("leadWords", &leadWords, 5...1000)
        real("storyThreshold", &storyThreshold, 0.01...1)
        real("mergeThreshold", &mergeThreshold, 0.01...1)
        real("storyWindowHours", &storyWindowHours, 0...1e6)
        real("relatedThreshold", &relatedThreshold, 0.01...1)
        real("relatedWindowHours", &relatedWindowHours, 0...1e6)
        real("titleWeight", &titleWeight, 0...10)
        real("nameWeight", &nameWeight, 0...10)
        real("linkWeight", &linkWeight, 0...10)
        whole("linkage", &linkage, 0...1)
        real("relatedCeiling", &relatedCeiling, 0.01...1)
        whole("relatedMutual", &relatedMutual, 0...1)
        whole("storyLayer", &storyLayer, 0...1)
        whole("recluster", &recluster, 0...4)
        whole("mergeRounds", &mergeRounds, 1...20)
        whole("refinePasses", &refinePasses, 0...10)
        whole("moveFounders", &moveFounders, 0...1)
        real("moveMargin", &moveMargin, 0...1)
        real("bigramWeight", &bigramWeight, 0...10)
        real("numberWeight", &numberWeight, 0...10)
        whole("articleTerms", &articleTerms, 4...200)
        whole("centroidTerms", &centroidTerms, 8...1000)
        whole("centroidMembers", &centroidMembers, 2...100_000)
        whole("mergeEvery", &mergeEvery, 10...1_000_000)
        whole("activeArticles", &activeArticles, 100...10_000_000)
    }
}
