import Yams

/// Where a duplicated mapping key is, with its key path: the error every other manifest
/// problem gives (file:line:col and key), for the one problem Yams reports before any
/// tree exists.
///
/// Why this way: Yams refuses a mapping with a repeated key while composing, and says
/// only the first occurrence's position. To name the key path, the first occurrence is
/// renamed in a copy of the text (a private-use character before the key, which no real
/// key starts with) and the copy is composed again; the renamed key's place in that tree
/// is the path, and the next key of the same mapping spelled like it is the repeat that
/// the error points at. Each further rename (a key written three times, another repeated
/// key met first) uses the next private-use character.
enum DuplicateKey {
    /// The first renaming prefix; the n-th rename uses the n-th private-use scalar from
    /// here, so renamed keys never collide with each other or with a real key.
    private static let firstMarker: UInt32 = 0xE000
    /// How many occurrences are renamed at most before giving up on a path (each key
    /// repeated in the file may need one).
    private static let maxRenames = 32

    /// The error for `key`, first written at `firstMark` in `text`; nil when the copy
    /// cannot be composed (the caller then reports the first occurrence without a path).
    static func error(_ key: String, first firstMark: Mark, in text: String, file: String, resolver: Resolver) -> ManifestError? {
        let first = Place(firstMark)
        var scalars = Array(text.unicodeScalars)
        // Where markers stand in the copy, to read its positions as the original's.
        var inserted: [Place] = []
        var mark = first
        while inserted.count < maxRenames {
            guard var place = keyStart(at: mark, in: scalars),
                let marker = Unicode.Scalar(firstMarker + UInt32(inserted.count))
            else { return nil }
            scalars.insert(marker, at: place.offset)
            for index in inserted.indices where inserted[index].line == place.line && inserted[index].column >= place.column {
                inserted[index].column += 1
            }
            place.offset = 0
            inserted.append(place)
            do {
                let root = try Parser(yaml: String(String.UnicodeScalarView(scalars)), resolver: resolver).singleRoot()
                guard let root, let found = find(path: "", in: root) else { return nil }
                let repeated = found.repeated.mark.map { original(Place($0), inserted) } ?? first
                let at = repeated.line == first.line ? "line \(first.line), column \(first.column)" : "line \(first.line)"
                return ManifestError(
                    position: SourcePosition(file: file, line: repeated.line, column: repeated.column), keyPath: found.path,
                    message: "duplicate key \(ManifestNode.quoted(key)) (first at \(at))")
            } catch YamlError.duplicatedKeysInMapping(_, let context) {
                mark = Place(context.mark)
            } catch {
                return nil
            }
        }
        return nil
    }

    /// A line and column (1-based, in Unicode scalars, as libyaml counts), and the
    /// scalar offset they stand for when known.
    private struct Place {
        var line: Int
        var column: Int
        var offset = 0

        init(line: Int, column: Int, offset: Int = 0) {
            self.line = line
            self.column = column
            self.offset = offset
        }

        init(_ mark: Mark) { self.init(line: mark.line, column: mark.column) }
    }

    /// Where the name of the key written at `mark` starts in `scalars`: after its
    /// opening quote when it is quoted; nil for keys that cannot be renamed this way
    /// (complex, aliased, tagged or block keys).
    private static func keyStart(at mark: Place, in scalars: [Unicode.Scalar]) -> Place? {
        var line = 1
        var index = 0
        while line < mark.line, index < scalars.count {
            let scalar = scalars[index]
            index += 1
            if scalar == "\r", index < scalars.count, scalars[index] == "\n" { index += 1 }
            if ["\n", "\r", "\u{85}", "\u{2028}", "\u{2029}"].contains(scalar) { line += 1 }
        }
        var place = Place(line: mark.line, column: mark.column, offset: index + mark.column - 1)
        guard line == mark.line, place.offset < scalars.count else { return nil }
        if scalars[place.offset] == "\"" || scalars[place.offset] == "'" {
            place.offset += 1
            place.column += 1
        }
        guard !["?", "*", "&", "!", "|", ">"].contains(scalars[place.offset]) else { return nil }
        return place
    }

    /// A position of the copy as a position of the original text.
    private static func original(_ place: Place, _ inserted: [Place]) -> Place {
        Place(line: place.line, column: place.column - inserted.filter { $0.line == place.line && $0.column < place.column }.count)
    }

    /// The first renamed key (the first occurrence): its key path, and the next key of
    /// its mapping with the same name (the repeat).
    private static func find(path: String, in node: Node) -> (path: String, repeated: Node)? {
        switch node {
        case .mapping(let mapping):
            let pairs = Array(mapping)
            for (index, pair) in pairs.enumerated() {
                let written = pair.key.scalar?.string ?? ""
                let name = unmarked(written)
                let childPath = path.isEmpty ? name : "\(path).\(name)"
                if written.unicodeScalars.first?.value == firstMarker,
                    let repeated = pairs[(index + 1)...].first(where: { unmarked($0.key.scalar?.string ?? "") == name })
                {
                    return (childPath, repeated.key)
                }
                if let found = find(path: childPath, in: pair.value) { return found }
            }
        case .sequence(let sequence):
            for (index, item) in sequence.enumerated() {
                if let found = find(path: "\(path)[\(index)]", in: item) { return found }
            }
        case .scalar, .alias:
            break
        }
        return nil
    }

    /// A key's name without the marker a rename put before it.
    private static func unmarked(_ name: String) -> String {
        guard let first = name.unicodeScalars.first, (firstMarker..<firstMarker + UInt32(maxRenames)).contains(first.value) else {
            return name
        }
        return String(String.UnicodeScalarView(name.unicodeScalars.dropFirst()))
    }
}
