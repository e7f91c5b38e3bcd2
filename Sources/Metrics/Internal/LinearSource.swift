import Foundation

/// One frame's linear-light sRGB rows at one scale of SSIMULACRA 2: either a frame's
/// codes read through a code → linear table (scale 1:1, so no float copy of the full
/// frame is ever made), or three float planes (the downsampled scales).
///
/// `@unchecked Sendable`: it only reads memory that the caller keeps alive and unchanged
/// until every worker reading it has returned.
struct LinearSource: @unchecked Sendable {
    let width: Int
    let height: Int
    private let storage: Storage

    private enum Storage {
        /// Planes of codes; `planes` are the offsets of the R, G, B planes (equal for grey).
        case codes(UnsafePointer<UInt16>, planes: (Int, Int, Int), table: UnsafePointer<Float>, maxCode: UInt16)
        /// Three planes of `width · height` floats, R then G then B.
        case floats(UnsafePointer<Float>)
    }

    /// Codes of a frame of `width × height`, channel planes at `planes`, read through
    /// `table` (2^bitDepth entries, code → linear light).
    init(codes: UnsafePointer<UInt16>, width: Int, height: Int, planes: (Int, Int, Int),
         table: UnsafePointer<Float>, maxCode: UInt16) {
        self.width = width
        self.height = height
        storage = .codes(codes, planes: planes, table: table, maxCode: maxCode)
    }

    /// Three float planes of `width × height`.
    init(floats: UnsafePointer<Float>, width: Int, height: Int) {
        self.width = width
        self.height = height
        storage = .floats(floats)
    }

    /// Writes row `y`'s `width` linear R, G, B values to `r`, `g`, `b`.
    @inline(__always)
    func row(_ y: Int, r: UnsafeMutablePointer<Float>, g: UnsafeMutablePointer<Float>, b: UnsafeMutablePointer<Float>) {
        let start = y * width
        switch storage {
        case let .codes(base, planes, table, maxCode):
            Self.lookUp(base + planes.0 + start, count: width, table: table, maxCode: maxCode, into: r)
            Self.lookUp(base + planes.1 + start, count: width, table: table, maxCode: maxCode, into: g)
            Self.lookUp(base + planes.2 + start, count: width, table: table, maxCode: maxCode, into: b)
        case let .floats(base):
            let planeSize = width * height
            r.update(from: base + start, count: width)
            g.update(from: base + planeSize + start, count: width)
            b.update(from: base + 2 * planeSize + start, count: width)
        }
    }

    @inline(__always)
    private static func lookUp(_ codes: UnsafePointer<UInt16>, count: Int, table: UnsafePointer<Float>,
                               maxCode: UInt16, into out: UnsafeMutablePointer<Float>) {
        for x in 0..<count { out[x] = table[Int(min(codes[x], maxCode))] }
    }

    /// The 2×2 box average of this source in linear light, ⌈w/2⌉ × ⌈h/2⌉, as
    /// SSIMULACRA 2 downsamples (`Downsample`: the last row and column are repeated
    /// when a side is odd). Output rows are shared among `workers` threads.
    func downsampled(workers: Int) -> [Float] {
        let outWidth = (width + 1) / 2, outHeight = (height + 1) / 2
        let outPlane = outWidth * outHeight
        var out = [Float](repeating: 0, count: 3 * outPlane)
        let rowsPerTask = 16
        let tasks = (outHeight + rowsPerTask - 1) / rowsPerTask
        out.withUnsafeMutableBufferPointer { buffer in
            let target = SSIMULACRA2Concurrency.Pointer(buffer.baseAddress!)
            SSIMULACRA2Concurrency.forEach(count: tasks, workers: workers) { task in
                let rows = UnsafeMutablePointer<Float>.allocate(capacity: 6 * width)
                defer { rows.deallocate() }
                for oy in task * rowsPerTask ..< min(outHeight, (task + 1) * rowsPerTask) {
                    let y0 = 2 * oy, y1 = min(2 * oy + 1, height - 1)
                    row(y0, r: rows, g: rows + width, b: rows + 2 * width)
                    row(y1, r: rows + 3 * width, g: rows + 4 * width, b: rows + 5 * width)
                    for c in 0..<3 {
                        let a = rows + c * width, b = rows + (3 + c) * width
                        let dst = target.pointer + c * outPlane + oy * outWidth
                        for ox in 0..<outWidth {
                            let x0 = 2 * ox, x1 = min(2 * ox + 1, width - 1)
                            dst[ox] = (a[x0] + a[x1] + b[x0] + b[x1]) * 0.25
                        }
                    }
                }
            }
        }
        return out
    }
}

/// The concurrency SSIMULACRA 2 uses: work indices shared among a fixed number of threads.
enum SSIMULACRA2Concurrency {
    /// A pointer handed to concurrent workers that write disjoint parts of it.
    /// `@unchecked Sendable`: every user writes only its own rows or slots, and
    /// `forEach` returns only after all workers are done.
    struct Pointer<T>: @unchecked Sendable {
        let pointer: UnsafeMutablePointer<T>
        init(_ pointer: UnsafeMutablePointer<T>) { self.pointer = pointer }
    }

    /// Runs `body(i)` for every `i` in `0..<count` on at most `workers` threads, each
    /// index exactly once; returns when all are done.
    static func forEach(count: Int, workers: Int, _ body: @escaping @Sendable (Int) -> Void) {
        WorkQueue.forEach(count: count, workers: workers, body)
    }
}
