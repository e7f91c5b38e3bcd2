import Foundation
import ImageCore
import Metrics

/// One fixed method over a reel: its encodes by setting, the frames measured at each,
/// and the frames it failed on. The searches share it, so a setting tried by one is
/// never encoded or measured again by another.
// @unchecked Sendable: the mutable caches are read and written under `lock` only;
// the frames and the method are immutable.
final class MethodTrials: @unchecked Sendable {
    let method: any FixedMethod
    let frames: [ReelFrame]
    let jobs: Int
    let floor: QualityFloor
    let lock = NSLock()
    private var failures: [Int: String] = [:]
    private var payloads: [Double: [Data?]] = [:]
    /// Bytes of each frame by setting (kept when the payloads are freed).
    private var sizes: [Double: [Int?]] = [:]
    private var qualities: [Double: [FrameQuality?]] = [:]
    /// Frames ordered worst first by their last measured margin (early exits test them first).
    private var margins: [Int: Double] = [:]
    /// The equal-size setting, once `compare` has found it.
    private var equalKnob: Double?
    /// The trials of the method's fine tuning, when they gave the equal-size match.
    private var fineTrials: MethodTrials?
    /// Settings whose encodes are held, oldest first.
    private var payloadOrder: [Double] = []
    /// Bytes of encodes held across settings (a few hundred 2K frames at the ratios compared).
    let payloadBudget: Int
    private var timing = MethodTiming()

    init(method: any FixedMethod, frames: [ReelFrame], jobs: Int, floor: QualityFloor,
         payloadBudget: Int = 512 << 20) {
        self.payloadBudget = payloadBudget
        self.method = method
        self.frames = frames
        self.jobs = jobs
        self.floor = floor
    }

    /// The frames the method failed on, in reel order.
    var failureList: [FrameFailure] {
        lock.withLock { failures.sorted { $0.key < $1.key }.map { FrameFailure(frame: frames[$0.key].name, message: $0.value) } }
    }

    private func isFailed(_ i: Int) -> Bool { lock.withLock { failures[i] != nil } }

    private func fail(_ i: Int, _ error: any Error) {
        lock.withLock { if failures[i] == nil { failures[i] = String(describing: error) } }
    }

    /// Every frame encoded at `knob` (nil for frames the method fails on), through the
    /// method's reel encoder (one ffmpeg process for H.265's reel).
    func encodeAll(_ knob: Double) -> [Data?] {
        if let cached = lock.withLock({ payloads[knob] }) { return cached }
        let started = Date()
        let todo = frames.indices.filter { !isFailed($0) }
        let results = method.encodeReel(todo.map { frames[$0].pixels }, knob: knob, jobs: jobs)
        var encoded = [Data?](repeating: nil, count: frames.count)
        for (k, i) in todo.enumerated() {
            switch results[k] {
            case .success(let data): encoded[i] = data
            case .failure(let error): fail(i, error)
            }
        }
        lock.withLock {
            payloads[knob] = encoded
            payloadOrder.append(knob)
            sizes[knob] = encoded.map { $0?.count }
            timing.encodeSeconds += Date().timeIntervalSince(started)
            timing.settingsEncoded += 1
            timing.framesEncoded += todo.count
        }
        trimPayloads()
        return encoded
    }

    /// The reel's bytes at `knob`; a frame the method fails on counts at `fill`'s bytes,
    /// so totals stay comparable with the target.
    func totalBytes(_ knob: Double, fill: [Int]) -> Int {
        let encoded = encodeAll(knob)
        return encoded.indices.reduce(0) { $0 + (isFailed($1) ? fill[$1] : (encoded[$1]?.count ?? fill[$1])) }
    }

    /// True when the frames at `knob` are encoded and held (a test of it needs no encode).
    func isEncoded(_ knob: Double) -> Bool { lock.withLock { payloads[knob] != nil } }

    /// Settings with every frame measured, or encodes held: where a search step costs least.
    var knownKnobs: [Double] {
        lock.withLock { Array(Set(payloads.keys).union(qualities.keys)) }.sorted()
    }

    /// Decodes and measures the frames at `knob` (those not measured yet). With
    /// `stopOnFailure`, the worst frames go first and the work stops at the first frame
    /// under the floors. Returns true when every frame the method encodes meets them.
    @discardableResult
    func measure(_ knob: Double, stopOnFailure: Bool) -> Bool {
        var known = lock.withLock { qualities[knob] } ?? Array(repeating: nil, count: frames.count)
        if stopOnFailure, known.contains(where: { $0.map { !floor.passes($0.measurement) } ?? false }) {
            return false
        }
        let order = lock.withLock { frames.indices.sorted { (margins[$0] ?? 0) < (margins[$1] ?? 0) } }
        if order.contains(where: { known[$0] == nil && !isFailed($0) }) {
            let started = Date()
            let encoded = encodeAll(knob)
            let todo = order.filter { known[$0] == nil && encoded[$0] != nil && !isFailed($0) }
            let results = method.decodesReel ? measureStreamed(todo, encoded: encoded, stopOnFailure: stopOnFailure)
                : measureEach(todo, encoded: encoded, stopOnFailure: stopOnFailure)
            for (k, i) in todo.enumerated() { known[i] = results[k] }
            lock.withLock { timing.measureSeconds += Date().timeIntervalSince(started) }
        }
        lock.withLock {
            qualities[knob] = known
            for (i, q) in known.enumerated() { if let q { margins[i] = floor.margin(q.measurement) } }
        }
        let valid = frames.indices.filter { !isFailed($0) }
        return valid.allSatisfy { known[$0].map { floor.passes($0.measurement) } ?? false }
    }

    /// Frame `i`'s decoded pixels measured against its source; nil (and the frame failed) on an error.
    private func quality(_ i: Int, _ decoded: PixelBuffer) -> FrameQuality? {
        let started = Date()
        defer { let t = Date().timeIntervalSince(started); lock.withLock { timing.metricSeconds += t; timing.framesMeasured += 1 } }
        do {
            return try CompareMeasurement.measure(source: frames[i].pixels, decoded: decoded, sourceAnalysis: frames[i].analysis)
        } catch {
            fail(i, error)
            return nil
        }
    }

    /// Each frame decoded and measured by one worker, `jobs` frames at once.
    private func measureEach(_ todo: [Int], encoded: [Data?], stopOnFailure: Bool) -> [FrameQuality?] {
        let stop = StopFlag()
        return ParallelWork.map(todo, jobs: jobs) { i -> FrameQuality? in
            if stopOnFailure, stop.isSet { return nil }
            let started = Date()
            let decoded: PixelBuffer
            do {
                decoded = try self.method.decode(encoded[i]!, source: self.frames[i].pixels)
            } catch {
                self.fail(i, error)
                return nil
            }
            let t = Date().timeIntervalSince(started)
            self.lock.withLock { self.timing.decodeSeconds += t }
            let q = self.quality(i, decoded)
            if let q, !self.floor.passes(q.measurement) { stop.set() }
            return q
        }
    }

    /// The frames decoded in one pass by the method (one ffmpeg process), each measured by
    /// one of `jobs` workers as soon as it is decoded.
    private func measureStreamed(_ todo: [Int], encoded: [Data?], stopOnFailure: Bool) -> [FrameQuality?] {
        let stop = StopFlag()
        let results = ResultSlots(count: todo.count)
        let slots = DispatchSemaphore(value: jobs)
        let group = DispatchGroup()
        let queue = DispatchQueue(label: "reelpack.compare.measure", attributes: .concurrent)
        var waited = Date()
        method.decodeReel(todo.map { encoded[$0]! }, sources: todo.map { frames[$0].pixels }) { k, decoded in
            let t = Date().timeIntervalSince(waited)
            lock.withLock { timing.decodeSeconds += t }
            defer { waited = Date() }
            if stopOnFailure, stop.isSet { return false }
            let i = todo[k]
            switch decoded {
            case .failure(let error):
                fail(i, error)
            case .success(let pixels):
                slots.wait()
                group.enter()
                queue.async {
                    let q = self.quality(i, pixels)
                    if let q, !self.floor.passes(q.measurement) { stop.set() }
                    results.set(k, q)
                    slots.signal()
                    group.leave()
                }
            }
            return true
        }
        group.wait()
        return results.values
    }

    /// True when every frame the method encodes was measured at `knob`.
    func isComplete(_ knob: Double) -> Bool {
        guard let known = lock.withLock({ qualities[knob] }) else { return false }
        return frames.indices.allSatisfy { isFailed($0) || known[$0] != nil }
    }

    /// The measured frames at `knob` (failed frames left out), with their bytes.
    func measured(_ knob: Double) -> [(index: Int, quality: FrameQuality, bytes: Int)] {
        let known = lock.withLock { qualities[knob] } ?? []
        let bytes = lock.withLock { sizes[knob] } ?? []
        return known.indices.compactMap { i in
            guard !isFailed(i), let q = known[i], i < bytes.count, let b = bytes[i] else { return nil }
            return (i, q, b)
        }
    }

    func summary(_ knob: Double) -> MethodSummary {
        let m = measured(knob)
        return MethodSummary(method: method.id.rawValue, title: method.title, setting: method.setting(knob),
                             value: method.nativeValue(knob), qualities: m.map(\.quality),
                             bytes: m.reduce(0) { $0 + $1.bytes },
                             sourceBytes: m.reduce(0) { $0 + frames[$1.index].sourceBytes }, floor: floor)
    }

    /// Frees the oldest settings' encodes (never the equal-size one's) while they hold more
    /// than `payloadBudget` bytes: kept, a later search or the curve tests them without encoding.
    private func trimPayloads() {
        lock.withLock {
            var held = payloads.values.reduce(0) { $0 + $1.reduce(0) { $0 + ($1?.count ?? 0) } }
            while held > payloadBudget, let oldest = payloadOrder.first(where: { $0 != equalKnob }) {
                held -= payloads[oldest]?.reduce(0) { $0 + ($1?.count ?? 0) } ?? 0
                payloads[oldest] = nil
                payloadOrder.removeAll { $0 == oldest }
            }
        }
    }

    /// The work done so far, for the benchmark's profile.
    var timingSoFar: MethodTiming { lock.withLock { timing } }

    /// The equal-size setting, the safe setting and the curve; nil when the method
    /// fails on every frame.
    func compare(reelpackBytes: [Int], tolerance: Double, progress: (@Sendable (String) -> Void)?) -> MethodResult? {
        let started = Date()
        let range = method.knobRange(bitDepth: frames.map(\.pixels.bitDepth).max() ?? 16)
        let target = reelpackBytes.reduce(0, +)
        let rawBytes = frames.reduce(0.0) { $0 + Double($1.pixels.samples.count * $1.pixels.bitDepth) / 8 }
        // The first trial: JPEG 2000's knob is the size itself; the others start mid-range.
        let start = method.logScale ? 100 * Double(target) / rawBytes
            : (range.lowerBound + range.upperBound) / 2
        let size = KnobSearch.equalSize(target: target, range: range, logScale: method.logScale, slope: method.typicalSlope,
                                        start: start, tolerance: tolerance) { knob in
            totalBytes(knob, fill: reelpackBytes)
        }
        guard frames.indices.contains(where: { !isFailed($0) }) else { return nil }
        progress?("  equal size: \(method.setting(size.knob)), \(size.bytes) bytes for Reelpack's \(target) after \(size.trials.count) settings")
        lock.withLock { equalKnob = size.knob }
        measure(size.knob, stopOnFailure: false)
        // Steps too coarse for the match (settings on both sides of the target, none
        // within it): the method's finer setting at the nearest step. At a range end
        // there is no step to split.
        var fine: (trials: MethodTrials, size: KnobSearch.SizeResult)?
        if !size.matched, size.trials.contains(where: { $0.bytes < target }), size.trials.contains(where: { $0.bytes > target }),
           let tuning = method.fineTuning(at: size.knob) {
            let t = MethodTrials(method: tuning, frames: frames, jobs: jobs, floor: floor, payloadBudget: payloadBudget)
            let r = tuning.knobRange(bitDepth: 16)
            let f = KnobSearch.equalSize(target: target, range: r, logScale: false, slope: tuning.typicalSlope,
                                         start: (r.lowerBound + r.upperBound) / 2, tolerance: tolerance) { knob in
                t.totalBytes(knob, fill: reelpackBytes)
            }
            progress?("  equal size, finer: \(tuning.setting(f.knob)), \(f.bytes) bytes after \(f.trials.count) settings")
            if f.matched {
                t.lock.withLock { t.equalKnob = f.knob }
                t.measure(f.knob, stopOnFailure: false)
                fine = (t, f)
                lock.withLock { fineTrials = t }
            }
        }
        var phase = Date()
        lock.withLock { timing.equalSizeSeconds = phase.timeIntervalSince(started) }

        // The safe search starts at equal size and steps onto settings already encoded
        // (the equal-size trials) when they are near where it would step.
        let safe = KnobSearch.loosestPassing(range: range, logScale: method.logScale, slope: method.typicalSlope,
                                             start: size.knob, cheap: knownKnobs) { knob in
            measure(knob, stopOnFailure: true)
        }
        lock.withLock { timing.safeSeconds = Date().timeIntervalSince(phase); timing.safeTrials = safe.trials.count }
        phase = Date()
        var safeNote: String?
        if let k = safe.knob {
            progress?("  safe: \(method.setting(k)), after \(safe.trials.count) settings")
        } else {
            safeNote = "no setting in \(method.setting(range.upperBound)) … \(method.setting(range.lowerBound)) meets the floors on every frame"
            progress?("  safe: \(safeNote!)")
        }

        // Curve: the settings measured on every frame, topped up to 4 around equal size.
        let u: (Double) -> Double = { self.method.logScale ? log($0) : $0 }
        let back: (Double) -> Double = { self.method.logScale ? exp($0) : $0 }
        // A point near a wanted one that is already encoded or partly measured (a setting
        // the safe search rejected) is completed instead of coding a new setting.
        let doubling = log(2) / method.typicalSlope
        var complete = Set(lock.withLock { Array(qualities.keys) }.filter(isComplete))
        for d in [-1.0, 1.0, -2.0, 2.0, -3.0] where complete.count < 4 {
            let want = min(max(u(size.knob) + d * doubling, u(range.lowerBound)), u(range.upperBound))
            let near = knownKnobs.filter { k in
                !complete.contains(k) && abs(u(k) - want) < 0.35 * doubling
                    && !complete.contains { abs(u($0) - u(k)) < 0.2 * doubling }
            }.min { abs(u($0) - want) < abs(u($1) - want) }
            let knob = near ?? back(want)
            guard !complete.contains(where: { abs(u($0) - u(knob)) < 0.2 * doubling }) else { continue }
            measure(knob, stopOnFailure: false)
            complete.insert(knob)
        }
        lock.withLock { timing.curveSeconds = Date().timeIntervalSince(phase) }
        var points = complete.sorted()
        while points.count > 6 {
            // Drop the point nearest its neighbour (never the equal-size one).
            let gaps = (1..<points.count).map { (u(points[$0]) - u(points[$0 - 1]), $0) }
            let drop = gaps.filter { points[$0.1] != size.knob }.min { $0.0 < $1.0 }?.1 ?? points.count - 1
            points.remove(at: drop)
        }
        let curve = points.map { k -> CurvePoint in
            let s = summary(k)
            return CurvePoint(setting: method.setting(k), value: method.nativeValue(k), ratio: s.ratio, ssimMean: s.ssimMean,
                              ssimMin: s.ssimMin, psnrMean: s.psnrMean, grainRetentionMean: s.grainRetentionMean,
                              shareUnderFloors: s.shareUnderFloors)
        }

        let equalTrials = fine?.trials ?? self, equalAt = fine?.size.knob ?? size.knob
        let equal = equalTrials.summary(equalAt)
        var matchNote: String?
        if let fine {
            let below = size.trials.filter { $0.bytes < target }.max { $0.bytes < $1.bytes }
            let above = size.trials.filter { $0.bytes > target }.min { $0.bytes < $1.bytes }
            let steps = below.flatMap { b in above.map { a in
                "\(method.setting(b.knob)) gives \(b.bytes) bytes, \(method.setting(a.knob)) \(a.bytes)" } }
            matchNote = "the reel's size moves in steps" + (steps.map { ": \($0)" } ?? "")
                + ", for a target of \(target); matched with \(fine.trials.method.setting(fine.size.knob))"
        } else if abs(Double(size.bytes) / Double(max(target, 1)) - 1) > tolerance {
            let below = size.trials.filter { $0.bytes < target }.max { $0.bytes < $1.bytes }
            let above = size.trials.filter { $0.bytes > target }.min { $0.bytes < $1.bytes }
            if let below, let above {
                matchNote = "the reel's size moves in steps: \(method.setting(below.knob)) gives \(below.bytes) bytes, \(method.setting(above.knob)) \(above.bytes), for a target of \(target); the nearest is kept"
            } else {
                matchNote = "no setting in the method's range reaches \(target) bytes; the nearest is kept"
            }
        }
        let rows = equalTrials.measured(equalAt).map { m in
            FrameRow(frame: frames[m.index].name, bytes: m.bytes, ssim: m.quality.ssim, tileFloor: m.quality.tileFloor,
                     psnr: m.quality.psnr, grainRetention: m.quality.grainRetention,
                     meetsFloors: floor.passes(m.quality.measurement))
        }
        let failed = Set(lock.withLock { Array(failures.keys) })
        let targetOK = reelpackBytes.indices.filter { !failed.contains($0) }.reduce(0) { $0 + reelpackBytes[$1] }
        return MethodResult(method: method.id, title: method.title, equalSize: equal, targetBytes: targetOK,
                            matched: abs(Double(equal.bytes) / Double(max(targetOK, 1)) - 1) <= tolerance, matchNote: matchNote,
                            sizeTrials: size.trials, safe: safe.knob.map(summary), safeNote: safeNote, curve: curve,
                            frames: rows, failures: fine.map { Self.merged(failureList, $0.trials.failureList) } ?? failureList,
                            seconds: Date().timeIntervalSince(started),
                            timing: timingSoFar)
    }

    /// The method's worst frame at equal size (lowest SSIM), cropped 1:1 around its worst tile,
    /// beside the source and Reelpack's decoded frame.
    func worstCrop(result: MethodResult, reelpackDecode: (Int) throws -> (PixelBuffer, Int),
                   reelpackQualities: [FrameQuality]) -> WorstCrop? {
        if let fine = lock.withLock({ fineTrials }) {
            return fine.worstCrop(result: result, reelpackDecode: reelpackDecode, reelpackQualities: reelpackQualities)
        }
        guard let knob = lock.withLock({ equalKnob }) else { return nil }
        guard let worst = measured(knob).min(by: { $0.quality.ssim < $1.quality.ssim }),
              let payload = lock.withLock({ payloads[knob]?[worst.index] ?? nil }) else { return nil }
        let frame = frames[worst.index]
        do {
            let decoded = try method.decode(payload, source: frame.pixels)
            let (reel, _) = try reelpackDecode(worst.index)
            let tile = worst.quality.worstTile
            let side = min(160, frame.pixels.width, frame.pixels.height)
            let cx = tile.x + 5 + tile.width / 2, cy = tile.y + 5 + tile.height / 2
            let x = min(max(0, cx - side / 2), frame.pixels.width - side)
            let y = min(max(0, cy - side / 2), frame.pixels.height - side)
            func png(_ p: PixelBuffer) throws -> [UInt8] {
                try Preview.thumbnail(try Self.crop(p, x: x, y: y, side: side), maxWidth: side).png()
            }
            return WorstCrop(method: method.title, frame: frame.name, ssim: worst.quality.ssim,
                             reelpackSSIM: reelpackQualities[worst.index].ssim, x: x, y: y, width: side, height: side,
                             source: try png(frame.pixels), reelpack: try png(reel), decoded: try png(decoded))
        } catch {
            return nil
        }
    }

    static func merged(_ a: [FrameFailure], _ b: [FrameFailure]) -> [FrameFailure] {
        a + b.filter { f in !a.contains { $0.frame == f.frame } }
    }

    static func crop(_ p: PixelBuffer, x: Int, y: Int, side: Int) throws -> PixelBuffer {
        var samples: [UInt16] = []
        samples.reserveCapacity(side * side * p.channels)
        for c in 0..<p.channels {
            for row in y..<(y + side) {
                let start = c * p.planeSize + row * p.width + x
                samples += p.samples[start..<(start + side)]
            }
        }
        return try PixelBuffer(width: side, height: side, channels: p.channels, bitDepth: p.bitDepth, samples: samples)
    }
}

/// Results written by workers into their own slots.
// @unchecked Sendable: the slots are read and written under `lock` only.
private final class ResultSlots: @unchecked Sendable {
    private let lock = NSLock()
    private var slots: [FrameQuality?]
    init(count: Int) { slots = Array(repeating: nil, count: count) }
    func set(_ k: Int, _ q: FrameQuality?) { lock.withLock { slots[k] = q } }
    var values: [FrameQuality?] { lock.withLock { slots } }
}

/// A flag set once from any thread.
// @unchecked Sendable: the flag is read and written under `lock` only.
private final class StopFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    var isSet: Bool { lock.withLock { value } }
    func set() { lock.withLock { value = true } }
}
