/// The river-of-news template used when feeds.json names none (`output.template`).
///
/// It is compiled into the program rather than shipped as a resource file, so a `tributary` binary copied
/// anywhere still writes its HTML page. Copy it into a file of your own to start a custom template.
enum DefaultTemplate {
    static let river = #"""
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'none'; object-src 'none'; style-src 'unsafe-inline'; img-src https: data:; base-uri 'none'; form-action 'none'">
        <meta name="referrer" content="no-referrer">
        <meta name="generator" content="{{generator}}">
        <title>{{title}}</title>
        {{#atom}}<link rel="alternate" type="application/atom+xml" title="{{title}}" href="{{atom}}">
        {{/atom}}{{#rss}}<link rel="alternate" type="application/rss+xml" title="{{title}}" href="{{rss}}">
        {{/rss}}{{#json}}<link rel="alternate" type="application/feed+json" title="{{title}}" href="{{json}}">
        {{/json}}
        """# + stylesheet + #"""
            <body>
            <header>
            <h1>{{#home}}<a href="{{home}}">{{title}}</a>{{/home}}{{^home}}{{title}}{{/home}}</h1>
            {{#subtitle}}<p>{{subtitle}}</p>
            {{/subtitle}}{{#hasFeeds}}<nav class="feeds">{{/hasFeeds}}{{#feeds}}<a href="{{href}}">{{label}}</a>{{/feeds}}{{#hasFeeds}}</nav>
            {{/hasFeeds}}</header>
            <main>
            {{#days}}
            <section>
            <h2 class="day"><time datetime="{{date}}">{{heading}}</time></h2>
            {{#stories}}
            <article>
            <h3>{{#link}}<a href="{{link}}">{{title}}</a>{{/link}}{{^link}}{{title}}{{/link}}</h3>
            <p class="meta">{{#source}}{{#sourceLink}}<a href="{{sourceLink}}">{{source}}</a>{{/sourceLink}}{{^sourceLink}}{{source}}{{/sourceLink}} · {{/source}}<time datetime="{{datetime}}">{{time}}</time>{{#author}} · {{author}}{{/author}}</p>
            {{#teaser}}<p class="teaser">{{teaser}}</p>
            {{/teaser}}{{#hasSources}}<div class="also">Also covered by:<ul>{{/hasSources}}{{#sources}}<li><a href="{{href}}">{{title}}</a></li>{{/sources}}{{#hasSources}}</ul></div>
            {{/hasSources}}{{#hasRelated}}<div class="related">Related:<ul>{{/hasRelated}}{{#related}}<li><a href="{{href}}">{{title}}</a></li>{{/related}}{{#hasRelated}}</ul></div>
            {{/hasRelated}}{{#hasTags}}<p class="tags">{{/hasTags}}{{#tags}}<span>#{{term}}</span>{{/tags}}{{#hasTags}}</p>
            {{/hasTags}}</article>
            {{/stories}}
            </section>
            {{/days}}
            {{^days}}<p>Nothing has been published yet.</p>
            {{/days}}
            </main>
            <footer>Updated <time datetime="{{updated}}">{{updatedText}}</time> · {{generator}}</footer>
            </body>
            </html>
            """#

    /// The page's `<style>` element through the end of `<head>`: no template tags, so `RiverWriter` writes the
    /// same bytes from here.
    static let stylesheet = #"""
        <style>
        :root { color-scheme: light dark; --ink: #1d1d1f; --muted: #5f6368; --rule: #d8d8dc; --accent: #0b57d0; --paper: #fbfbf8; }
        @media (prefers-color-scheme: dark) { :root { --ink: #e8e8ea; --muted: #a0a4ab; --rule: #3a3b3f; --accent: #8ab4f8; --paper: #17181a; } }
        * { box-sizing: border-box; }
        body { margin: 0; background: var(--paper); color: var(--ink); font: 17px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; overflow-wrap: anywhere; }
        header, main, footer { max-width: 46rem; margin: 0 auto; padding: 0 1rem; }
        header { padding-top: 1.5rem; border-bottom: 1px solid var(--rule); }
        header h1 { margin: 0; font-size: 1.7rem; line-height: 1.2; }
        header p { margin: .3rem 0 1rem; color: var(--muted); }
        nav.feeds a { margin-right: .8rem; font-size: .9rem; }
        a { color: var(--accent); text-decoration: none; }
        a:hover, a:focus { text-decoration: underline; }
        h2.day { position: sticky; top: 0; margin: 1.5rem 0 .5rem; padding: .4rem 0; background: var(--paper); font-size: .95rem; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); border-bottom: 1px solid var(--rule); }
        article { padding: .8rem 0 1rem; border-bottom: 1px solid var(--rule); }
        article h3 { margin: 0 0 .25rem; font-size: 1.15rem; line-height: 1.3; }
        .meta { margin: 0; font-size: .85rem; color: var(--muted); }
        .teaser { margin: .4rem 0 0; }
        .also, .related { margin: .5rem 0 0; font-size: .9rem; }
        .also ul, .related ul { margin: .2rem 0 0; padding-left: 1.1rem; }
        .tags { margin: .4rem 0 0; font-size: .8rem; color: var(--muted); }
        .tags span { display: inline-block; margin-right: .4rem; }
        footer { padding: 1.5rem 1rem 2rem; font-size: .85rem; color: var(--muted); }
        </style>
        </head>

        """#
}
