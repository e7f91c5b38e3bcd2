// Random numbers for synthesis: fixed algorithms on integers only, so a seed gives
// the same frame on every run and every machine (no Foundation or system randomness).

/// SplitMix64 (Steele, Lea, Flood 2014): turns any seed into well-mixed 64-bit words.
/// Used to seed `Xoshiro256StarStar` and as a stateless hash.
struct SplitMix64 {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        return Self.mix(state)
    }

    /// The SplitMix64 finaliser: a bijective avalanche of all 64 bits.
    @inline(__always)
    static func mix(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// xoshiro256** (Blackman, Vigna 2018): a fast generator with a 2^256 period.
struct Xoshiro256StarStar {
    private var s0: UInt64, s1: UInt64, s2: UInt64, s3: UInt64

    init(seed: UInt64) {
        var seeder = SplitMix64(seed: seed)
        s0 = seeder.next(); s1 = seeder.next(); s2 = seeder.next(); s3 = seeder.next()
    }

    @inline(__always)
    mutating func next() -> UInt64 {
        let result = Self.rotl(s1 &* 5, 7) &* 9
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = Self.rotl(s3, 45)
        return result
    }

    /// A float in `0 ..< 1` (24 random bits).
    @inline(__always)
    mutating func nextUnit() -> Float {
        Float(next() >> 40) * (1.0 / 16_777_216.0)
    }

    /// A float in `range`.
    mutating func next(in range: ClosedRange<Float>) -> Float {
        range.lowerBound + (range.upperBound - range.lowerBound) * nextUnit()
    }

    @inline(__always)
    private static func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }
}

/// Stateless hashes of lattice coordinates, for value noise.
enum LatticeHash {
    /// A float in `0 ..< 1` that depends only on (`x`, `y`, `seed`).
    @inline(__always)
    static func unit(_ x: Int, _ y: Int, _ seed: UInt64) -> Float {
        let h = SplitMix64.mix(UInt64(bitPattern: Int64(x)) &* 0x9E37_79B9_7F4A_7C15
            ^ UInt64(bitPattern: Int64(y)) &* 0xC2B2_AE3D_27D4_EB4F ^ seed)
        return Float(h >> 40) * (1.0 / 16_777_216.0)
    }

    /// Derives a sub-seed for a named purpose (frame, plane, shot) from a seed.
    static func seed(_ seed: UInt64, _ a: UInt64, _ b: UInt64 = 0) -> UInt64 {
        SplitMix64.mix(SplitMix64.mix(seed ^ 0x5851_F42D_4C95_7F2D &* (a &+ 1)) ^ (b &* 0x2545_F491_4F6C_DD1D))
    }
}
