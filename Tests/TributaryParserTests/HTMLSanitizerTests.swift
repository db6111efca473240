import Foundation
import Testing

@testable import TributaryParser

/// XSS vectors in the style of OWASP's filter-evasion cheat sheet; none may survive sanitising.
struct HTMLSanitizerTests {
    static let vectors: [String] = [
        "<script>alert('XSS')</script>",
        "<SCRIPT SRC=http://xss.rocks/xss.js></SCRIPT>",
        "<IMG SRC=\"javascript:alert('XSS');\">",
        "<IMG SRC=javascript:alert('XSS')>",
        "<IMG SRC=JaVaScRiPt:alert('XSS')>",
        "<IMG SRC=`javascript:alert(\"RSnake says, 'XSS'\")`>",
        "<a onmouseover=\"alert(document.cookie)\">xxs link</a>",
        "<IMG \"\"\"><SCRIPT>alert(\"XSS\")</SCRIPT>\"\\>",
        "<IMG SRC=javascript:alert(String.fromCharCode(88,83,83))>",
        "<IMG SRC=# onmouseover=\"alert('xxs')\">",
        "<IMG SRC=/ onerror=\"alert(String.fromCharCode(88,83,83))\"></img>",
        "<img src=x onerror=\"&#0000106&#0000097&#0000118&#0000097&#0000115&#0000099&#0000114&#0000105&#0000112&#0000116&#0000058&#0000097&#0000108&#0000101&#0000114&#0000116&#0000040&#0000039&#0000088&#0000083&#0000083&#0000039&#0000041\">",
        "<IMG SRC=&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;&#97;&#108;&#101;&#114;&#116;&#40;&#39;&#88;&#83;&#83;&#39;&#41;>",
        "<IMG SRC=&#x6A&#x61&#x76&#x61&#x73&#x63&#x72&#x69&#x70&#x74&#x3A&#x61&#x6C&#x65&#x72&#x74&#x28&#x27&#x58&#x53&#x53&#x27&#x29>",
        "<IMG SRC=\"jav\tascript:alert('XSS');\">",
        "<IMG SRC=\"jav&#x09;ascript:alert('XSS');\">",
        "<IMG SRC=\"jav&#x0A;ascript:alert('XSS');\">",
        "<IMG SRC=\" &#14;  javascript:alert('XSS');\">",
        "<SCRIPT/XSS SRC=\"http://xss.rocks/xss.js\"></SCRIPT>",
        "<BODY onload!#$%&()*~+-_.,:;?@[/|\\]^`=alert(\"XSS\")>",
        "<<SCRIPT>alert(\"XSS\");//\\<</SCRIPT>",
        "<SCRIPT SRC=http://xss.rocks/xss.js?< B >",
        "<IMG SRC=\"`<javascript:alert>`('XSS')\"",
        "</TITLE><SCRIPT>alert(\"XSS\");</SCRIPT>",
        "<INPUT TYPE=\"IMAGE\" SRC=\"javascript:alert('XSS');\">",
        "<BODY BACKGROUND=\"javascript:alert('XSS')\">",
        "<IMG DYNSRC=\"javascript:alert('XSS')\">",
        "<IMG LOWSRC=\"javascript:alert('XSS')\">",
        "<STYLE>li {list-style-image: url(\"javascript:alert('XSS')\");}</STYLE><UL><LI>XSS</br>",
        "<svg/onload=alert('XSS')>",
        "<svg><script>alert(1)</script></svg>",
        "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
        "<LINK REL=\"stylesheet\" HREF=\"javascript:alert('XSS');\">",
        "<META HTTP-EQUIV=\"refresh\" CONTENT=\"0;url=javascript:alert('XSS');\">",
        "<META HTTP-EQUIV=\"refresh\" CONTENT=\"0;url=data:text/html base64,PHNjcmlwdD5hbGVydCgnWFNTJyk8L3NjcmlwdD4K\">",
        "<IFRAME SRC=\"javascript:alert('XSS');\"></IFRAME>",
        "<IFRAME SRC=# onmouseover=\"alert(document.cookie)\"></IFRAME>",
        "<FRAMESET><FRAME SRC=\"javascript:alert('XSS');\"></FRAMESET>",
        "<TABLE BACKGROUND=\"javascript:alert('XSS')\">",
        "<TABLE><TD BACKGROUND=\"javascript:alert('XSS')\">",
        "<DIV STYLE=\"background-image: url(javascript:alert('XSS'))\">",
        "<DIV STYLE=\"background-image:\\0075\\0072\\006C\\0028'\\006a\\0061\\0076\\0061\\0073\\0063\\0072\\0069\\0070\\0074\\003a\\0061\\006c\\0065\\0072\\0074\\0028.1027\\0058.1053\\0053\\0027\\0029'\\0029\">",
        "<DIV STYLE=\"width: expression(alert('XSS'));\">",
        "<div style=\"-moz-binding: url(http://xss.rocks/xssmoz.xml#xss)\">x</div>",
        "<IMG STYLE=\"xss:expr/*XSS*/ession(alert('XSS'))\">",
        "<BASE HREF=\"javascript:alert('XSS');//\">",
        "<OBJECT TYPE=\"text/x-scriptlet\" DATA=\"http://xss.rocks/scriptlet.html\"></OBJECT>",
        "<EMBED SRC=\"data:image/svg+xml;base64,PHN2ZyB4bWxuczpzdmc9Imh0dH A6Ly93d3cudzMub3JnLzIwMDAvc3ZnIiB4bWxucz0iaHR0cDovL3d3dy53My5vcmcv\" type=\"image/svg+xml\" AllowScriptAccess=\"always\"></EMBED>",
        "<a href=\"data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==\">x</a>",
        "<a href=\"vbscript:msgbox(1)\">x</a>",
        "<a href=\"&#14;javascript:alert(1)\">x</a>",
        "<a href=\"  JAVASCRIPT:alert(1)\">x</a>",
        "<a href=\"java\u{0}script:alert(1)\">x</a>",
        "<!--[if gte IE 4]><SCRIPT>alert('XSS');</SCRIPT><![endif]-->",
        "<XSS STYLE=\"behavior: url(xss.htc);\">",
        "<APPLET code=\"x\"></APPLET>",
        "<form action=\"javascript:alert(1)\"><input type=submit></form>",
        "<button formaction=\"javascript:alert(1)\">x</button>",
        "<details open ontoggle=alert(1)>",
        "<video><source onerror=\"alert(1)\"></video>",
        "<p id=\"x\" name=\"y\" onclick=\"z\">text</p>",
    ]

    /// What must never appear in sanitised output.
    static let forbidden: [String] = [
        #"<script"#, #"<[^>]*\son[a-z]+\s*="#, #"javascript:"#, #"vbscript:"#,
        #"(href|src|background|dynsrc|lowsrc|action|data)\s*=\s*"\s*data:"#,
        #"<svg"#, #"<math"#, #"<iframe"#, #"<object"#, #"<embed"#, #"<base"#, #"<meta"#, #"<style"#, #"expression\("#,
        #"<link"#, #"<frame"#, #"<applet"#, #"<form"#, #"<input"#, #"<button"#, #"\sid="#, #"\sname="#,
        #"-moz-binding"#, #"behavior"#,
    ]

    @Test(arguments: vectors)
    func vectorIsNeutralised(_ vector: String) {
        let output = HTMLSanitizer.sanitize(vector, baseURL: "http://example.com/")
        for pattern in Self.forbidden {
            #expect(
                output.range(of: pattern, options: [.regularExpression, .caseInsensitive]) == nil,
                "\(pattern) survived in \(output)")
        }
    }

    @Test(arguments: vectors)
    func sanitisingIsIdempotent(_ vector: String) {
        let once = HTMLSanitizer.sanitize(vector, baseURL: "http://example.com/")
        #expect(HTMLSanitizer.sanitize(once, baseURL: "http://example.com/") == once)
    }

    @Test(arguments: [
        ("<p>Hello <b>world</b></p>", "<p>Hello <b>world</b></p>"),
        ("<a href=\"/x\">x</a>", "<a href=\"http://example.com/x\">x</a>"),
        ("<img src=\"a.png\" alt=\"A\">", "<img src=\"http://example.com/a.png\" alt=\"A\" />"),
        ("<table><tr><td>1</td></tr></table>", "<table><tr><td>1</td></tr></table>"),
        ("<ul><li>a</li><li>b</li></ul>", "<ul><li>a</li><li>b</li></ul>"),
        ("<pre><code>let x = 1 &lt; 2</code></pre>", "<pre><code>let x = 1 &lt; 2</code></pre>"),
        ("safe<script>alert(1)</script> text", "safe text"),
        ("<span style=\"color: red; position: absolute\">r</span>", "<span style=\"color: red;\">r</span>"),
        ("AT&amp;T", "AT&amp;T"),
        ("plain text", "plain text"),
        ("<!-- note -->kept", "kept"),
        ("<blink>unknown</blink> element", "unknown element"),
    ])
    func keepsOrdinaryMarkup(_ input: String, _ expected: String) {
        #expect(HTMLSanitizer.sanitize(input, baseURL: "http://example.com/") == expected)
    }

    @Test func fuzzRegressionsStayFixed() throws {
        let folder = try #require(
            Bundle.module.url(forResource: "crashes", withExtension: nil, subdirectory: "Fixtures"))
        let files = try FileManager.default.contentsOfDirectory(at: folder, includingPropertiesForKeys: nil)
        #expect(!files.isEmpty)
        for file in files {
            let data = try Data(contentsOf: file)
            if file.lastPathComponent.hasPrefix("sanitizer") {
                let input = String(decoding: data, as: UTF8.self)
                let once = HTMLSanitizer.sanitize(input, baseURL: "http://example.com/a/")
                #expect(
                    HTMLSanitizer.sanitize(once, baseURL: "http://example.com/a/") == once, "\(file.lastPathComponent)")
            } else {
                _ = FeedParser.parse(data, documentURL: "http://example.com/feed/", contentType: nil)
            }
        }
    }
}
