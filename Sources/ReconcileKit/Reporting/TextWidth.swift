/// How wide a line of the stack picture's text is, so a label can be shortened to fit its
/// box on the server: the page has no JavaScript to measure it in the browser.
///
/// Advance widths (in em) of printable ASCII in DejaVu Sans and DejaVu Sans Bold, measured
/// in Chromium: the widest common sans-serif, and the one `system-ui` is on a Linux
/// desktop without other fonts. On narrower fonts (SF, Segoe UI, Helvetica) a fitted label
/// leaves more room, never less. Any other character counts as a full em.
enum TextWidth {
    /// ` ` (0x20) through `~` (0x7E), regular weight.
    static let regular: [Double] = [
        0.318, 0.401, 0.460, 0.838, 0.636, 0.950, 0.780, 0.275, 0.390, 0.390, 0.500, 0.838, 0.318, 0.361, 0.318, 0.337,
        0.636, 0.636, 0.636, 0.636, 0.636, 0.636, 0.636, 0.636, 0.636, 0.636, 0.337, 0.337, 0.838, 0.838, 0.838, 0.531,
        1.000, 0.709, 0.686, 0.698, 0.770, 0.632, 0.575, 0.775, 0.752, 0.295, 0.295, 0.656, 0.557, 0.863, 0.748, 0.787,
        0.603, 0.787, 0.695, 0.635, 0.595, 0.732, 0.684, 0.989, 0.685, 0.611, 0.685, 0.390, 0.337, 0.390, 0.838, 0.500,
        0.500, 0.613, 0.635, 0.550, 0.635, 0.615, 0.345, 0.635, 0.634, 0.278, 0.278, 0.579, 0.278, 0.974, 0.634, 0.612,
        0.635, 0.635, 0.395, 0.521, 0.392, 0.634, 0.592, 0.818, 0.592, 0.592, 0.525, 0.636, 0.337, 0.636, 0.838,
    ]
    /// The same, bold (600 is drawn with the bold face).
    static let bold: [Double] = [
        0.348, 0.456, 0.521, 0.838, 0.696, 1.002, 0.872, 0.306, 0.457, 0.457, 0.523, 0.838, 0.380, 0.415, 0.380, 0.365,
        0.696, 0.696, 0.696, 0.696, 0.696, 0.696, 0.696, 0.696, 0.696, 0.696, 0.400, 0.400, 0.838, 0.838, 0.838, 0.580,
        1.000, 0.774, 0.762, 0.734, 0.830, 0.683, 0.683, 0.821, 0.837, 0.372, 0.372, 0.775, 0.637, 0.995, 0.837, 0.850,
        0.733, 0.850, 0.770, 0.680, 0.703, 0.812, 0.774, 1.103, 0.771, 0.724, 0.725, 0.457, 0.365, 0.457, 0.838, 0.500,
        0.500, 0.675, 0.716, 0.593, 0.716, 0.678, 0.405, 0.716, 0.712, 0.343, 0.343, 0.665, 0.343, 1.042, 0.712, 0.687,
        0.716, 0.716, 0.493, 0.595, 0.478, 0.712, 0.652, 0.924, 0.645, 0.652, 0.582, 0.712, 0.365, 0.712, 0.838,
    ]

    /// The width of `text` in pixels at `size` pixels.
    static func of(_ text: String, size: Double, bold isBold: Bool) -> Double {
        let table = isBold ? bold : regular
        return text.unicodeScalars.reduce(0) { width, scalar in
            let index = Int(scalar.value) - 0x20
            return width + (table.indices.contains(index) ? table[index] : 1.0) * size
        }
    }

    /// Which end of a long text to keep: paths differ at their end (`…/media_data/_data`),
    /// everything else at its start.
    enum Keep {
        case start, end
    }

    /// `text`, or as much of it as fits in `width` pixels with an ellipsis where it was cut
    /// (one pass over the characters: labels quote live services and may be long).
    static func fitted(_ text: String, width: Double, size: Double, bold: Bool, keep: Keep) -> String {
        guard of(text, size: size, bold: bold) > width else { return text }
        let room = width - of("…", size: size, bold: bold)
        var used = 0.0
        var kept: [Character] = []
        for character in keep == .start ? Array(text) : Array(text.reversed()) {
            used += of(String(character), size: size, bold: bold)
            if used > room { break }
            kept.append(character)
        }
        return keep == .start ? String(kept) + "…" : "…" + String(kept.reversed())
    }
}
