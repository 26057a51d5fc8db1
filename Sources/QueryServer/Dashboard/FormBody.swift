import Foundation
import Hummingbird

/// A form's fields (`application/x-www-form-urlencoded`), posted or in a page's query: a browser
/// writes a space as `+`, which the API's query parameters do not decode.
struct FormBody: Sendable {
    private var fields: [String: String]

    init(fields: [String: String]) { self.fields = fields }

    /// The field's value (the first, if sent twice), nil when absent or empty.
    subscript(_ name: String) -> String? { fields[name].flatMap { $0.isEmpty ? nil : $0 } }

    /// The fields of a request's query.
    init(query request: Request) { self = Self.parse(request.uri.query ?? "") }

    /// Reads the body: at most 16 KiB, which no dashboard form comes near.
    static func read(_ request: Request) async throws -> FormBody {
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: 16 * 1024)
        } catch {
            throw DashboardError(status: .contentTooLarge, message: "The form was larger than any of this dashboard's forms.")
        }
        return parse(String(decoding: buffer.readableBytesView, as: UTF8.self))
    }

    static func parse(_ text: String) -> FormBody {
        var fields: [String: String] = [:]
        for pair in text.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = decode(parts[0])
            if fields[name] == nil { fields[name] = parts.count > 1 ? decode(parts[1]) : "" }
        }
        return FormBody(fields: fields)
    }

    /// `+` is a space; `%XY` a byte; the bytes are UTF-8 (invalid sequences become U+FFFD).
    static func decode(_ text: Substring) -> String {
        var bytes: [UInt8] = []
        var utf8 = Array(text.utf8)[...]
        while let byte = utf8.popFirst() {
            if byte == UInt8(ascii: "+") {
                bytes.append(UInt8(ascii: " "))
            } else if byte == UInt8(ascii: "%"), utf8.count >= 2,
                      let value = UInt8(String(decoding: utf8.prefix(2), as: UTF8.self), radix: 16) {
                bytes.append(value)
                utf8 = utf8.dropFirst(2)
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
