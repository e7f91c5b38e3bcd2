/// A small built-in 5×7 pixel font (A–Z, 0–9, space and `. , ! ? ' - : " &`) for
/// burning text into frames: title cards and subtitles in synthetic reels, and test
/// frames for the text detector. Lower-case letters are drawn as capitals; characters
/// the font lacks are drawn as `?`.
///
/// A glyph is 5 columns by 7 rows; text advances 6 columns per character (one blank
/// column between glyphs) and lines are 10 rows apart, all times `scale` pixels.
public enum BitmapFont {
    /// Glyph width, height and horizontal advance in font pixels (before scaling).
    public static let glyphWidth = 5
    public static let glyphHeight = 7
    public static let advance = 6
    /// Distance between the tops of two lines of text, in font pixels.
    public static let lineHeight = 10

    /// A rendered block of text: `width × height` pixels, row-major, true where a stroke is.
    public struct Mask: Sendable, Hashable {
        public var width: Int
        public var height: Int
        public var bits: [Bool]

        /// True when pixel (`x`, `y`) is on a stroke; false outside the mask.
        public subscript(x: Int, y: Int) -> Bool {
            guard x >= 0, y >= 0, x < width, y < height else { return false }
            return bits[y * width + x]
        }
    }

    /// Renders `lines` (each centred on the widest) at `scale` pixels per font pixel
    /// (at least 1). An empty text gives an empty mask (0 × 0).
    public static func render(_ lines: [String], scale: Int) -> Mask {
        let k = max(1, scale)
        let widest = lines.map(\.count).max() ?? 0
        guard widest > 0 else { return Mask(width: 0, height: 0, bits: []) }
        let width = (widest * advance - 1) * k
        let height = ((lines.count - 1) * lineHeight + glyphHeight) * k
        var bits = [Bool](repeating: false, count: width * height)
        for (l, line) in lines.enumerated() {
            let left = (widest - line.count) * advance * k / 2
            let top = l * lineHeight * k
            for (i, character) in line.enumerated() {
                let rows = glyph(character)
                for gy in 0..<glyphHeight {
                    let row = rows[gy]
                    for gx in 0..<glyphWidth where row & (1 << (glyphWidth - 1 - gx)) != 0 {
                        let x0 = left + (i * advance + gx) * k, y0 = top + gy * k
                        for y in y0..<(y0 + k) {
                            for x in x0..<(x0 + k) where x < width && y < height { bits[y * width + x] = true }
                        }
                    }
                }
            }
        }
        return Mask(width: width, height: height, bits: bits)
    }

    /// The seven rows of a character's glyph, bit 4 the leftmost column.
    static func glyph(_ character: Character) -> [UInt8] {
        let upper = Character(character.uppercased())
        return glyphs[upper] ?? glyphs["?"] ?? []
    }

    /// Glyph rows written as pictures, `#` for a stroke.
    private static let glyphs: [Character: [UInt8]] = {
        let pictures: [Character: [String]] = [
            "A": [".###.", "#...#", "#...#", "#####", "#...#", "#...#", "#...#"],
            "B": ["####.", "#...#", "#...#", "####.", "#...#", "#...#", "####."],
            "C": [".###.", "#...#", "#....", "#....", "#....", "#...#", ".###."],
            "D": ["####.", "#...#", "#...#", "#...#", "#...#", "#...#", "####."],
            "E": ["#####", "#....", "#....", "####.", "#....", "#....", "#####"],
            "F": ["#####", "#....", "#....", "####.", "#....", "#....", "#...."],
            "G": [".###.", "#...#", "#....", "#.###", "#...#", "#...#", ".####"],
            "H": ["#...#", "#...#", "#...#", "#####", "#...#", "#...#", "#...#"],
            "I": [".###.", "..#..", "..#..", "..#..", "..#..", "..#..", ".###."],
            "J": ["..###", "...#.", "...#.", "...#.", "...#.", "#..#.", ".##.."],
            "K": ["#...#", "#..#.", "#.#..", "##...", "#.#..", "#..#.", "#...#"],
            "L": ["#....", "#....", "#....", "#....", "#....", "#....", "#####"],
            "M": ["#...#", "##.##", "#.#.#", "#.#.#", "#...#", "#...#", "#...#"],
            "N": ["#...#", "#...#", "##..#", "#.#.#", "#..##", "#...#", "#...#"],
            "O": [".###.", "#...#", "#...#", "#...#", "#...#", "#...#", ".###."],
            "P": ["####.", "#...#", "#...#", "####.", "#....", "#....", "#...."],
            "Q": [".###.", "#...#", "#...#", "#...#", "#.#.#", "#..#.", ".##.#"],
            "R": ["####.", "#...#", "#...#", "####.", "#.#..", "#..#.", "#...#"],
            "S": [".####", "#....", "#....", ".###.", "....#", "....#", "####."],
            "T": ["#####", "..#..", "..#..", "..#..", "..#..", "..#..", "..#.."],
            "U": ["#...#", "#...#", "#...#", "#...#", "#...#", "#...#", ".###."],
            "V": ["#...#", "#...#", "#...#", "#...#", "#...#", ".#.#.", "..#.."],
            "W": ["#...#", "#...#", "#...#", "#.#.#", "#.#.#", "#.#.#", ".#.#."],
            "X": ["#...#", "#...#", ".#.#.", "..#..", ".#.#.", "#...#", "#...#"],
            "Y": ["#...#", "#...#", ".#.#.", "..#..", "..#..", "..#..", "..#.."],
            "Z": ["#####", "....#", "...#.", "..#..", ".#...", "#....", "#####"],
            "0": [".###.", "#...#", "#..##", "#.#.#", "##..#", "#...#", ".###."],
            "1": ["..#..", ".##..", "..#..", "..#..", "..#..", "..#..", ".###."],
            "2": [".###.", "#...#", "....#", "...#.", "..#..", ".#...", "#####"],
            "3": ["#####", "...#.", "..#..", "...#.", "....#", "#...#", ".###."],
            "4": ["...#.", "..##.", ".#.#.", "#..#.", "#####", "...#.", "...#."],
            "5": ["#####", "#....", "####.", "....#", "....#", "#...#", ".###."],
            "6": ["..##.", ".#...", "#....", "####.", "#...#", "#...#", ".###."],
            "7": ["#####", "....#", "...#.", "..#..", ".#...", ".#...", ".#..."],
            "8": [".###.", "#...#", "#...#", ".###.", "#...#", "#...#", ".###."],
            "9": [".###.", "#...#", "#...#", ".####", "....#", "...#.", ".##.."],
            " ": [".....", ".....", ".....", ".....", ".....", ".....", "....."],
            ".": [".....", ".....", ".....", ".....", ".....", ".##..", ".##.."],
            ",": [".....", ".....", ".....", ".....", ".##..", "..#..", ".#..."],
            "!": ["..#..", "..#..", "..#..", "..#..", "..#..", ".....", "..#.."],
            "?": [".###.", "#...#", "....#", "...#.", "..#..", ".....", "..#.."],
            "'": ["..#..", "..#..", ".#...", ".....", ".....", ".....", "....."],
            "-": [".....", ".....", ".....", "#####", ".....", ".....", "....."],
            ":": [".....", ".##..", ".##..", ".....", ".##..", ".##..", "....."],
            "\"": [".#.#.", ".#.#.", ".....", ".....", ".....", ".....", "....."],
            "&": [".##..", "#..#.", "#.#..", ".#...", "#.#.#", "#..#.", ".##.#"],
        ]
        return pictures.mapValues { rows in
            rows.map { row in row.reduce(UInt8(0)) { ($0 << 1) | ($1 == "#" ? 1 : 0) } }
        }
    }()
}
