import Foundation
import JourneyModel

extension MapSupport {
    /// A source's attributes text as it goes into `touchpoints.attributes`, a JSON column that
    /// analysts read with `json_extract`: nil when absent, an error when it is not valid JSON.
    /// The row is quarantined rather than stored without its attributes, so nothing it said is
    /// dropped quietly and a fixed export or mapping can bring it in whole. The error names the
    /// field but not its text, which can hold personal data (IP addresses, form values).
    static func jsonAttributes(_ text: String?, field: String) throws(MappingError) -> String? {
        guard let text else { return nil }
        guard (try? JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])) != nil else {
            throw MappingError(.invalidValue, "\(field) is not valid JSON (\(text.utf8.count) bytes); touchpoints.attributes holds JSON only")
        }
        return text
    }
}
