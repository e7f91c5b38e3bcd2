import Foundation
import TestSupport
import Testing

/// The corpus must be where the tests expect it: a missing corpus would let
/// corpus-parameterised tests pass over nothing.
@Test func corpusIsPresent() {
    #expect(Corpus.allDPX.count >= 30, "corpus not found at \(Corpus.root.path)")
    #expect(Corpus.allTIFF.count >= 5)
}
