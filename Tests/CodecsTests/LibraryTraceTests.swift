import Dispatch
import Foundation
import Testing
@testable import Codecs

@Suite("stderr captured around library calls")
struct LibraryTraceTests {
    struct Traced: Error { var lines: [String] = [] }

    /// Calls that begin while the last one is still restoring stderr used to redirect it
    /// again under the restoring call's feet: that call then closed the new saved
    /// descriptor, and stderr stayed a pipe whose reader wrote into whatever file later
    /// took that descriptor's number.
    @Test("overlapping traced calls from many threads leave stderr as it was, each call with its own lines")
    func overlappingCallsRestoreStderr() throws {
        var before = stat(), after = stat()
        #expect(fstat(2, &before) == 0)
        let failures = Failures()
        DispatchQueue.concurrentPerform(iterations: 8) { worker in
            for i in 0..<150 {
                let line = "./lib/jxl/test.cc:\(worker):\(i): JXL_FAILURE: trace \(worker)-\(i)"
                do {
                    _ = try LibraryTrace.shared.run({ () throws(Traced) -> Int in
                        let bytes = Array((line + "\n").utf8)
                        _ = bytes.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
                        if i % 3 == 0 { usleep(200) }
                        throw Traced()
                    }, annotate: { error, lines in Traced(lines: lines) })
                } catch let error as Traced {
                    if !error.lines.contains(line) { failures.add("\(worker)-\(i): \(error.lines.count) lines") }
                } catch {
                    failures.add("\(worker)-\(i): \(error)")
                }
            }
        }
        #expect(failures.all.isEmpty, "\(failures.all.prefix(5))")
        #expect(fstat(2, &after) == 0)
        #expect(after.st_ino == before.st_ino && after.st_dev == before.st_dev, "stderr is no longer what it was")
    }

    // @unchecked Sendable: `items` is read and written under `lock` only.
    final class Failures: @unchecked Sendable {
        private let lock = NSLock()
        private var items: [String] = []
        func add(_ s: String) { lock.withLock { items.append(s) } }
        var all: [String] { lock.withLock { items } }
    }
}
