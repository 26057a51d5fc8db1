/// Charts as inline SVG, drawn on the server: a bar per row, labels outside the bars in the page's
/// ink colour, a `<title>` and `<desc>` for screen readers, and a viewBox so they scale to the
/// page's width.
enum Chart {
    /// One bar: its label, its length, the text at its end, and (funnel) a note under it.
    struct Bar: Sendable {
        var label: String
        var value: Double
        var shown: String
        var note: String?
    }

    static let width = 640.0
    static let labelWidth = 150.0
    static let valueWidth = 90.0

    /// Horizontal bars scaled to the largest; a note (the conversion to the next stage) sits
    /// between a bar and the next.
    static func bars(_ bars: [Bar], title: String, description: String, id: String, class name: String) -> HTML {
        let barHeight = 26.0, gap = bars.contains { $0.note != nil } ? 28.0 : 10.0
        let height = max(1, Double(bars.count)) * (barHeight + gap) + 4
        let largest = bars.map(\.value).max().map { $0 > 0 ? $0 : 1 } ?? 1
        let span = width - labelWidth - valueWidth
        var content = HTML.el(.title, .id(id + "-title")) { title } + HTML.el(.desc, .id(id + "-desc")) { description }
        for (i, bar) in bars.enumerated() {
            let y = Double(i) * (barHeight + gap) + 2
            let length = max(0, bar.value) / largest * span
            content += HTML.el(.g, .class("bar")) {
                HTML.el(.svgText, .number("x", labelWidth - 8), .number("y", y + barHeight / 2 + 5), Attribute("text-anchor", "end"),
                        Attribute("fill", "#1b1f24"), Attribute("font-size", "14")) { Self.clipped(bar.label) }
                HTML.el(.rect, .number("x", labelWidth), .number("y", y), .number("width", max(length, 1)), .number("height", barHeight),
                        Attribute("rx", "3"), Attribute("fill", "#2563eb")) { HTML.el(.title) { "\(bar.label): \(bar.shown)" } }
                HTML.el(.svgText, .number("x", labelWidth + max(length, 1) + 6), .number("y", y + barHeight / 2 + 5),
                        Attribute("fill", "#1b1f24"), Attribute("font-size", "14"), Attribute("font-weight", "600")) { bar.shown }
                if let note = bar.note {
                    HTML.el(.svgText, .number("x", labelWidth + 4), .number("y", y + barHeight + gap / 2 + 6), Attribute("fill", "#4b5563"),
                            Attribute("font-size", "13")) { "↓ " + note }
                }
            }
        }
        return HTML.el(
            .svg, Attribute("xmlns", "http://www.w3.org/2000/svg"), Attribute("viewBox", "0 0 \(Int(width)) \(SVGNumber.text(height))"),
            .class("chart " + name), .role("img"), Attribute("aria-labelledby", id + "-title " + id + "-desc")
        ) { content }
    }

    /// Long campaign names end in an ellipsis; the bar's own title keeps the whole name.
    static func clipped(_ text: String) -> String { text.count > 20 ? String(text.prefix(19)) + "…" : text }
}
