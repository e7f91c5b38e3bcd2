/// What a frame says about itself beyond its samples, in terms common to every
/// format: the fields a film archivist reads in a header and that a conversion must
/// carry. Format-specific fields that have no common home go in `extra`
/// (string keys, e.g. `"dpx.filmManufacturerID"`), so nothing read is dropped.
///
/// All fields are optional: a TIFF has no timecode, a DPX may leave a field unset.
public struct FrameMetadata: Sendable, Codable, Equatable {
    /// Channel layout as the source declares it.
    public var descriptor: Descriptor?
    /// Transfer characteristic (e.g. printing density / log, linear, Rec.709).
    public var transfer: String?
    /// Colorimetric specification (e.g. printing density, Rec.709).
    public var colorimetric: String?
    /// Orientation code as stored (DPX 0 = left to right, top to bottom).
    public var orientation: Int?
    /// Frames per second, when known.
    public var frameRate: Double?
    /// SMPTE timecode `HH:MM:SS:FF`.
    public var timecode: String?
    /// Film edge code (KeyKode) as a readable string.
    public var keycode: String?
    /// Position of this frame in its sequence, and the sequence's length.
    public var framePosition: Int?
    public var sequenceLength: Int?
    /// Software or person that wrote the file.
    public var creator: String?
    /// Creation date as stored (DPX: `YYYY:MM:DD:HH:MM:SSLTZ`).
    public var creationDate: String?
    /// Camera or scanner that produced the frame.
    public var inputDevice: String?
    public var inputDeviceSerial: String?
    /// Project, copyright and file-name fields as stored.
    public var project: String?
    public var copyright: String?
    public var originalFileName: String?
    /// Everything else, keyed by `format.field`.
    public var extra: [String: String]

    /// Empty metadata.
    public init() { extra = [:] }

    /// How a frame's channels are to be read.
    public enum Descriptor: String, Sendable, Codable, Equatable {
        case luma, lumaAlpha, rgb, rgba
    }
}
