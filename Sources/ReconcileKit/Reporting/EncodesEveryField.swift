/// A report value whose JSON carries every stored property under its own name, an absent
/// one as an explicit `null` (synthesised `Encodable` leaves it out): consumers (jq,
/// dashboards) index fields without probing for them first, and a property added to the
/// type is written without a second list of keys to keep in step.
public protocol EncodesEveryField: Encodable {}

extension EncodesEveryField {
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: FieldName.self)
        for case (let name?, let value as any Encodable) in Mirror(reflecting: self).children {
            try container.encode(value, forKey: FieldName(name))
        }
    }
}

/// A stored property's name as a JSON key.
private struct FieldName: CodingKey {
    let stringValue: String
    var intValue: Int? { nil }

    init(_ name: String) { stringValue = name }
    init(stringValue: String) { self.init(stringValue) }
    init?(intValue: Int) { nil }
}
