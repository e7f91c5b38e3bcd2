import Foundation
import ImageCore

/// SSIMULACRA 2, Cloudinary's perceptual image metric (Jon Sneyers, 2022–2023; the
/// metric libjxl tunes its encoder with), computed on the display rendering of a frame.
///
/// Written from the published definition (cloudinary/ssimulacra2 README and
/// `ssimulacra2.cc`, version 2.1):
/// 1. Each frame is rendered to display values by a `DisplayTransform`, taken as sRGB
///    encoded and decoded to linear light (IEC 61966-2-1 sRGB EOTF), through one
///    2^bitDepth-entry table per frame.
/// 2. Six scales, 1:1 to 1:32, each a 2×2 box average of the previous in linear light
///    (a scale is skipped once the previous one is under 8 pixels a side).
/// 3. At each scale, both frames go to XYB (`OpsinXYB`), and per component: the SSIM
///    error map 1 − SSIM′ (SSIM without the luminance denominator, C2 = 0.0009) and two
///    edge-difference maps, artifact and detail lost, from the Gaussian-blurred frames
///    (σ = 1.5; see `SSIMULACRA2Strip` for the blur used here and how it differs).
/// 4. Each of the 54 maps is pooled by its mean (1-norm) and 4-norm; the 108 values are
///    weighted by the published weights and mapped to the score (`SSIMULACRA2Weights`).
///
/// The score is 100 for identical frames and falls with visible damage: about 90 is
/// "visually lossless" at normal viewing, 70 high quality, 50 medium, and it can go
/// negative. Frames with alpha are scored on their colour (alpha is not blended).
///
/// Work is done in strips of rows by concurrent workers. Extra memory is the downsampled
/// scales in Float (a third of a float copy of both frames: 71 MB for a 4K pair) and the
/// buffers of one strip per worker (24 MB at 4096 wide); the full-resolution scale is
/// read from the codes through a table, never copied.
public enum SSIMULACRA2 {
    /// Rows of each unit of concurrent work. Results do not depend on the thread count.
    static let stripHeight = 64

    /// The SSIMULACRA 2 score of `test` against `reference`, both seen through `transform`.
    ///
    /// - Parameters:
    ///   - reference: the source frame.
    ///   - test: the frame to judge, same size and channel count; its bit depth may
    ///     differ (each frame is rendered at its own depth).
    ///   - transform: how codes become display values (`DisplayTransform.forFrame`).
    ///   - threads: concurrent workers; the number of active processors when nil.
    ///     The call blocks its thread until they are done.
    /// - Returns: the score, at most 100 (identical display renderings).
    /// - Throws: `MetricsError` when sizes or channel counts differ, or the frame is
    ///   smaller than 11×11.
    public static func score(reference: PixelBuffer, test: PixelBuffer, transform: DisplayTransform,
                             threads: Int? = nil) throws(MetricsError) -> Double {
        guard reference.width == test.width, reference.height == test.height else {
            throw MetricsError(.sizeMismatch(
                reference: .init(width: reference.width, height: reference.height),
                test: .init(width: test.width, height: test.height)))
        }
        guard reference.channels == test.channels else {
            throw MetricsError(.channelMismatch(reference: reference.channels, test: test.channels))
        }
        guard reference.width >= 11, reference.height >= 11 else {
            throw MetricsError(.imageTooSmall(.init(width: reference.width, height: reference.height)))
        }
        let workers = max(1, threads ?? ProcessInfo.processInfo.activeProcessorCount)
        let referenceTable = linearTable(transform, bitDepth: reference.bitDepth)
        let testTable = linearTable(transform, bitDepth: test.bitDepth)
        return reference.samples.withUnsafeBufferPointer { ref in
            test.samples.withUnsafeBufferPointer { tst in
                referenceTable.withUnsafeBufferPointer { refTable in
                    testTable.withUnsafeBufferPointer { tstTable in
                        let a = source(ref.baseAddress!, of: reference, table: refTable.baseAddress!)
                        let b = source(tst.baseAddress!, of: test, table: tstTable.baseAddress!)
                        return SSIMULACRA2Weights.score(scales: allScales(reference: a, test: b, workers: workers))
                    }
                }
            }
        }
    }

    /// Code → linear light of a `bitDepth`-bit frame: the display value decoded with the
    /// sRGB EOTF (IEC 61966-2-1: c/12.92 up to 0.04045, else ((c + 0.055)/1.055)^2.4).
    static func linearTable(_ transform: DisplayTransform, bitDepth: Int) -> [Float] {
        (0 ..< (1 << bitDepth)).map { code in
            let v = transform.displayValue(code: code, bitDepth: bitDepth)
            return Float(v <= 0.04045 ? v / 12.92 : pow((v + 0.055) / 1.055, 2.4))
        }
    }

    private static func source(_ base: UnsafePointer<UInt16>, of frame: PixelBuffer,
                               table: UnsafePointer<Float>) -> LinearSource {
        let n = frame.planeSize
        let planes = frame.channels >= 3 ? (0, n, 2 * n) : (0, 0, 0)
        return LinearSource(codes: base, width: frame.width, height: frame.height, planes: planes,
                            table: table, maxCode: UInt16(truncatingIfNeeded: frame.maxValue))
    }

    /// The pooled maps of every scale computed, finest first.
    private static func allScales(reference: LinearSource, test: LinearSource, workers: Int) -> [ScaleScores] {
        var scales = [scaleScores(reference: reference, test: test, workers: workers)]
        var width = reference.width, height = reference.height
        var planes: (reference: [Float], test: [Float])?
        for _ in 1..<6 {
            // As the definition: the next scale is made while this one is 8 pixels a side or more.
            guard width >= 8, height >= 8 else { break }
            let next = withSources(planes, reference, test, width: width, height: height) { a, b in
                (reference: a.downsampled(workers: workers), test: b.downsampled(workers: workers))
            }
            width = (width + 1) / 2
            height = (height + 1) / 2
            planes = next
            scales.append(withSources(planes, reference, test, width: width, height: height) { a, b in
                scaleScores(reference: a, test: b, workers: workers)
            })
        }
        return scales
    }

    /// Calls `body` with the sources of the current scale: the full-size frames when
    /// `planes` is nil, else the float planes of a downsampled scale.
    private static func withSources<T>(_ planes: (reference: [Float], test: [Float])?,
                                       _ reference: LinearSource, _ test: LinearSource,
                                       width: Int, height: Int,
                                       _ body: (LinearSource, LinearSource) -> T) -> T {
        guard let planes else { return body(reference, test) }
        return planes.reference.withUnsafeBufferPointer { r in
            planes.test.withUnsafeBufferPointer { t in
                body(LinearSource(floats: r.baseAddress!, width: width, height: height),
                     LinearSource(floats: t.baseAddress!, width: width, height: height))
            }
        }
    }

    /// The pooled maps of one scale, strips shared among `workers`.
    private static func scaleScores(reference: LinearSource, test: LinearSource, workers: Int) -> ScaleScores {
        let height = reference.height, width = reference.width
        let strips = stride(from: 0, to: height, by: stripHeight).map { $0 ..< min(height, $0 + stripHeight) }
        var sums = [Double](repeating: 0, count: 18 * strips.count)
        sums.withUnsafeMutableBufferPointer { buffer in
            let out = SSIMULACRA2Concurrency.Pointer(buffer.baseAddress!)
            let kernels = KernelPool(width: width, stripHeight: stripHeight)
            SSIMULACRA2Concurrency.forEach(count: strips.count, workers: workers) { index in
                let kernel = kernels.take()
                let part = kernel.run(reference: reference, test: test, strip: strips[index])
                kernels.give(kernel)
                for k in 0..<18 { out.pointer[18 * index + k] = part[k] }
            }
        }
        // Strip sums are added in strip order, so the result does not depend on threads.
        var total = [Double](repeating: 0, count: 18)
        for index in strips.indices { for k in 0..<18 { total[k] += sums[18 * index + k] } }
        let count = Double(width * height)
        var ssim = [Double](repeating: 0, count: 6), edge = [Double](repeating: 0, count: 12)
        for c in 0..<3 {
            let s = total[6 * c ..< 6 * c + 6].map { $0 / count }
            ssim[2 * c] = s[0]
            ssim[2 * c + 1] = pow(s[1], 0.25)
            edge[4 * c] = s[2]
            edge[4 * c + 1] = pow(s[3], 0.25)
            edge[4 * c + 2] = s[4]
            edge[4 * c + 3] = pow(s[5], 0.25)
        }
        return ScaleScores(ssim: ssim, edge: edge)
    }
}

/// Strip kernels (each with its buffers) reused by the workers of one scale.
/// `@unchecked Sendable`: `free` is only touched with `lock` held, and a kernel is used
/// by one worker at a time (taken out of `free` while in use).
private final class KernelPool: @unchecked Sendable {
    private let lock = NSLock()
    private var free: [SSIMULACRA2Strip] = []
    private let width: Int, stripHeight: Int

    init(width: Int, stripHeight: Int) { self.width = width; self.stripHeight = stripHeight }

    func take() -> SSIMULACRA2Strip {
        lock.lock()
        let kernel = free.popLast()
        lock.unlock()
        return kernel ?? SSIMULACRA2Strip(width: width, stripHeight: stripHeight)
    }

    func give(_ kernel: SSIMULACRA2Strip) {
        lock.lock()
        free.append(kernel)
        lock.unlock()
    }
}
