import Foundation
import TributaryCore

/// The merged feed's own identity, worked out once from the site settings for every output.
struct FeedMeta: Sendable {
    var id: String
    var title: String
    var subtitle: String?
    /// The public URL of the Atom document (`link rel="self"`), when `site` is set.
    var atomURL: String?
    var rssURL: String?
    var jsonURL: String?
    /// The page the feed belongs to: the HTML river when it is published, else the site.
    var homeURL: String?
    var author: Person
    var icon: String?
    var logo: String?
    var hub: String?

    init(site: SiteSettings, output: OutputSettings) {
        let base = IRI.webLink(site.site)
        func published(_ path: String?) -> String? {
            guard let path, let base else { return nil }
            return IRI.webLink(path, bases: IRI.Bases(base))
        }
        atomURL = published(output.atom)
        rssURL = published(output.rss)
        jsonURL = published(output.jsonFeed)
        homeURL = published(output.html) ?? base
        let title = EntryPreparation.plain(site.title)
        self.title = title.isEmpty ? "Tributary" : title
        subtitle = site.subtitle.map(EntryPreparation.plain).flatMap { $0.isEmpty ? nil : $0 }
        let ownID = site.id.map(XMLCharacters.clean).flatMap { IRI.isAbsolute($0) ? $0 : nil }
        id = ownID ?? atomURL ?? NameUUID.urn(for: "tributary:" + self.title)
        let named = site.author.flatMap { person -> Person? in
            let email = person.email.flatMap { IRI.isEmail($0) ? $0 : nil }
            guard let name = person.name.map(EntryPreparation.plain).flatMap({ $0.isEmpty ? nil : $0 }) ?? email
            else { return nil }
            return Person(name: name, email: email, uri: IRI.webLink(person.uri))
        }
        // Atom needs an author for every entry; the site speaks for entries whose feed names nobody.
        author = named ?? Person(name: self.title)
        icon = IRI.webLink(site.icon, bases: IRI.Bases(base))
        logo = IRI.webLink(site.logo, bases: IRI.Bases(base))
        hub = IRI.webLink(output.hub)
    }
}
