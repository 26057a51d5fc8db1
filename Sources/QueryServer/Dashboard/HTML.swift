import Foundation

/// A fragment of HTML that is safe to send: it can only be made of escaped text, elements whose
/// tag and attribute names are literals in this module's source, escaped attribute values, links
/// built by `Link`, and assets compiled into the binary. No request data can become markup.
struct HTML: Sendable {
    /// The markup; read only by the response writer and tests.
    private(set) var rendered: String

    init() { rendered = "" }

    private init(rendered: String) { self.rendered = rendered }

    /// Text, escaped for element content and attribute values alike.
    static func text(_ text: String) -> HTML { HTML(rendered: escape(text)) }

    /// Markup written into this module's source (the stylesheet, the doctype): never runtime data.
    static func trusted(_ markup: StaticString) -> HTML { HTML(rendered: markup.description) }

    /// `<tag attributes…>content</tag>`; void elements (`input`, `br`, …) take no content.
    static func element(_ tag: Tag, _ attributes: [Attribute] = [], _ content: HTML = HTML()) -> HTML {
        var out = "<" + tag.name
        for attribute in attributes {
            switch attribute.value {
            case .flag(false): continue
            case .flag(true): out += " " + attribute.name
            case .text(let value): out += " " + attribute.name + "=\"" + escape(value) + "\""
            }
        }
        out += ">"
        if tag.isVoid { return HTML(rendered: out) }
        return HTML(rendered: out + content.rendered + "</" + tag.name + ">")
    }

    static func + (a: HTML, b: HTML) -> HTML { HTML(rendered: a.rendered + b.rendered) }

    static func += (a: inout HTML, b: HTML) { a.rendered += b.rendered }

    /// Escapes the five characters that can end text or an attribute value.
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for c in text.unicodeScalars {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(c)
            }
        }
        return out
    }
}

/// An element name: a literal, so no request data can name a tag.
struct Tag: Sendable {
    let name: String
    let isVoid: Bool

    init(_ name: StaticString, void: Bool = false) {
        self.name = name.description
        self.isVoid = void
    }

    static let a = Tag("a"), article = Tag("article"), body = Tag("body"), button = Tag("button"), caption = Tag("caption")
    static let dd = Tag("dd"), details = Tag("details"), div = Tag("div"), dl = Tag("dl"), dt = Tag("dt"), footer = Tag("footer")
    static let form = Tag("form"), h1 = Tag("h1"), h2 = Tag("h2"), h3 = Tag("h3"), head = Tag("head"), header = Tag("header")
    static let html = Tag("html"), label = Tag("label"), li = Tag("li"), main = Tag("main"), nav = Tag("nav"), ol = Tag("ol")
    static let option = Tag("option"), p = Tag("p"), section = Tag("section"), select = Tag("select"), small = Tag("small")
    static let span = Tag("span"), strong = Tag("strong"), summary = Tag("summary"), table = Tag("table"), tbody = Tag("tbody")
    static let td = Tag("td"), th = Tag("th"), thead = Tag("thead"), title = Tag("title"), tr = Tag("tr"), ul = Tag("ul")
    static let code = Tag("code"), time = Tag("time"), script = Tag("script")
    static let input = Tag("input", void: true), link = Tag("link", void: true), meta = Tag("meta", void: true)
    // SVG, inline in the page.
    static let svg = Tag("svg"), g = Tag("g"), rect = Tag("rect"), svgText = Tag("text"), line = Tag("line"), desc = Tag("desc")
}

/// An attribute: a literal name and a value that is escaped when written.
struct Attribute: Sendable {
    enum Value: Sendable {
        case text(String)
        /// A boolean attribute (`selected`, `required`): present or not.
        case flag(Bool)
    }

    let name: String
    let value: Value

    /// Any attribute but a URL one: those take a `Link` (`href(_:)`, `action(_:)`, `src(_:)`).
    init(_ name: StaticString, _ value: String) {
        precondition(!Self.urlNames.contains(name.description), "\(name) takes a Link")
        self.name = name.description
        self.value = .text(value)
    }

    private init(url name: StaticString, _ link: Link) {
        self.name = name.description
        self.value = .text(link.text)
    }

    static let urlNames: Set<String> = ["href", "src", "action", "formaction", "xlink:href"]

    init(_ name: StaticString, flag: Bool) {
        self.name = name.description
        self.value = .flag(flag)
    }

    static func `class`(_ value: String) -> Attribute { Attribute("class", value) }
    static func id(_ value: String) -> Attribute { Attribute("id", value) }
    static func name(_ value: String) -> Attribute { Attribute("name", value) }
    static func value(_ value: String) -> Attribute { Attribute("value", value) }
    static func type(_ value: String) -> Attribute { Attribute("type", value) }
    static func `for`(_ value: String) -> Attribute { Attribute("for", value) }
    static func ariaLabel(_ value: String) -> Attribute { Attribute("aria-label", value) }
    static func role(_ value: String) -> Attribute { Attribute("role", value) }
    /// Links are `Link` values: relative paths this server built, never a scheme a page could inject.
    static func href(_ link: Link) -> Attribute { Attribute(url: "href", link) }
    static func action(_ link: Link) -> Attribute { Attribute(url: "action", link) }
    static func src(_ link: Link) -> Attribute { Attribute(url: "src", link) }
    static func selected(_ on: Bool) -> Attribute { Attribute("selected", flag: on) }
    /// A number in an SVG attribute, with at most two decimals.
    static func number(_ name: StaticString, _ value: Double) -> Attribute { Attribute(name, SVGNumber.text(value)) }
}

/// Builds fragments the way the markup nests, with `if`, `for` and plain strings (escaped).
@resultBuilder
enum HTMLBuilder {
    static func buildExpression(_ html: HTML) -> HTML { html }
    static func buildExpression(_ text: String) -> HTML { .text(text) }
    static func buildBlock(_ parts: HTML...) -> HTML { parts.reduce(HTML(), +) }
    static func buildOptional(_ part: HTML?) -> HTML { part ?? HTML() }
    static func buildEither(first: HTML) -> HTML { first }
    static func buildEither(second: HTML) -> HTML { second }
    static func buildArray(_ parts: [HTML]) -> HTML { parts.reduce(HTML(), +) }
}

extension HTML {
    /// `element` with its content written as a builder block.
    static func el(_ tag: Tag, _ attributes: Attribute..., @HTMLBuilder content: () -> HTML = { HTML() }) -> HTML {
        element(tag, attributes, content())
    }

    /// A link with text.
    static func link(_ target: Link, _ text: String, _ attributes: Attribute...) -> HTML {
        element(.a, [.href(target)] + attributes, .text(text))
    }

    /// A hidden form field.
    static func hidden(_ name: String, _ value: String) -> HTML {
        element(.input, [.type("hidden"), .name(name), .value(value)])
    }
}

/// Numbers in SVG coordinates: short, and never in an exponent form a browser would misread.
enum SVGNumber {
    static func text(_ value: Double) -> String {
        guard value.isFinite else { return "0" }
        let rounded = (value * 100).rounded() / 100
        if rounded == rounded.rounded(), abs(rounded) < 1e12 { return String(Int64(rounded)) }
        return String(format: "%.2f", rounded)
    }
}
