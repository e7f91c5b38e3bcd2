import Foundation
import ImageCore

extension DPXHeader {
    /// Readable name of a DPX colorimetric code: as the transfer table, except that codes
    /// 2 and 3 mean "not applicable" there (SMPTE 268M).
    public static func colorimetricName(_ code: Int) -> String {
        code == 2 || code == 3 ? "not applicable (\(code))" : characteristicName(code)
    }

    /// Readable name of a DPX transfer characteristic code (SMPTE 268M table).
    public static func characteristicName(_ code: Int) -> String {
        switch code {
        case 0: "user-defined"
        case 1: "printing density"
        case 2: "linear"
        case 3: "logarithmic"
        case 4: "unspecified video"
        case 5: "SMPTE 274M"
        case 6: "Rec. 709"
        case 7: "Rec. 601 (625 lines)"
        case 8: "Rec. 601 (525 lines)"
        case 9: "NTSC composite"
        case 10: "PAL composite"
        case 11: "Z linear"
        case 12: "Z homogeneous"
        case 13: "SMPTE ADX"
        case 14: "Rec. 2020 NCL"
        case 15: "Rec. 2020 CL"
        case 16: "IEC 61966-2-4 gamma"
        case 17: "SMPTE 2084 PQ"
        case 18: "ARIB STD-B67 HLG"
        case 255: "undefined"
        default: "code \(code)"
        }
    }

    /// The header's fields in Reelpack's common terms; DPX fields with no common home go
    /// into `extra` under `dpx.` keys, so nothing read is lost.
    public var frameMetadata: FrameMetadata {
        var m = FrameMetadata()
        let el = image.element
        m.descriptor = switch layout.channels {
        case 1: .luma
        case 4: .rgba
        default: .rgb
        }
        if el.transfer != 255 { m.transfer = Self.characteristicName(el.transfer) }
        if el.colorimetric != 255 { m.colorimetric = Self.colorimetricName(el.colorimetric) }
        m.orientation = image.orientation
        if let rate = film?.frameRate, rate > 0 {
            m.frameRate = Double(rate)
        } else if let rate = television?.frameRate, rate > 0 {
            m.frameRate = Double(rate)
        }
        m.timecode = television?.timecode
        m.keycode = film?.keycode
        m.framePosition = film?.framePosition
        m.sequenceLength = film?.sequenceLength
        m.creator = file.creator
        m.creationDate = file.creationDate
        m.inputDevice = orientation?.inputDevice
        m.inputDeviceSerial = orientation?.inputDeviceSerial
        m.project = file.project
        m.copyright = file.copyright
        m.originalFileName = file.fileName

        var x: [String: String] = [:]
        func put(_ key: String, _ value: (some CustomStringConvertible)?) {
            if let value { x["dpx.\(key)"] = value.description }
        }
        put("version", file.version)
        put("byteOrder", byteOrder.rawValue)
        put("descriptor", el.descriptor)
        put("transferCode", el.transfer)
        put("colorimetricCode", el.colorimetric)
        put("packing", layout.packing.rawValue)
        put("imageDataOffset", layout.dataOffset)
        if file.userDataSize > 0 { put("userDataSize", file.userDataSize) }
        put("userDataID", file.userDataID)
        put("referenceLowCode", el.referenceLowCode)
        put("referenceLowQuantity", el.referenceLowQuantity)
        put("referenceHighCode", el.referenceHighCode)
        put("referenceHighQuantity", el.referenceHighQuantity)
        put("elementDescription", el.description)
        if el.endOfLinePadding > 0 { put("endOfLinePadding", el.endOfLinePadding) }
        if el.endOfImagePadding > 0 { put("endOfImagePadding", el.endOfImagePadding) }
        if let o = orientation {
            put("xOffset", o.xOffset); put("yOffset", o.yOffset)
            put("xCenter", o.xCenter); put("yCenter", o.yCenter)
            put("xOriginalSize", o.xOriginalSize); put("yOriginalSize", o.yOriginalSize)
            put("sourceFileName", o.sourceFileName); put("sourceDate", o.sourceDate)
            if o.pixelAspect.allSatisfy({ ($0 ?? 0) > 0 }) {
                put("pixelAspect", "\(o.pixelAspect[0] ?? 1):\(o.pixelAspect[1] ?? 1)")
            }
        }
        if let f = film {
            put("filmManufacturerID", f.manufacturerID); put("filmType", f.filmType)
            put("perfsOffset", f.perfsOffset); put("filmPrefix", f.prefix); put("filmCount", f.count)
            put("filmFormat", f.format); put("heldCount", f.heldCount)
            put("shutterAngle", f.shutterAngle); put("frameID", f.frameID); put("slate", f.slate)
        }
        if let t = television {
            if let bits = t.userBits { put("userBits", String(format: "%08X", bits)) }
            put("interlace", t.interlace); put("fieldNumber", t.fieldNumber); put("videoSignal", t.videoSignal)
            put("tvFrameRate", t.frameRate); put("gamma", t.gamma)
            put("blackLevel", t.blackLevel); put("whiteLevel", t.whiteLevel)
        }
        m.extra = x
        return m
    }
}
