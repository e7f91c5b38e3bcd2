#!/usr/bin/env bash
# Seeds for the fuzz harnesses, made from the test fixtures: small corpus TIFFs, the
# heads of corpus DPX files, small synthetic DPX frames at each depth, their TIFF
# conversions, and the JP2/JPH/JXL outputs `compress` makes of them (whose seals
# carry the rebuild records). Needs the debug build of reelpack (`make test` makes it).
set -euo pipefail
cd "$(dirname "$0")/.."
OUT="$1"
[[ -f $OUT/.done ]] && exit 0
BIN=.build/debug/reelpack
[[ -x $BIN ]] || swift build --product reelpack >/dev/null
CORPUS=../shared/corpus
rm -rf "$OUT"; mkdir -p "$OUT"/{dpx,tiff,container,record,seal}
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
for bits in 8 10 12 16; do
    "$BIN" synth -o "$work/src$bits" --frames 1 --size 64x48 --bits "$bits" --name "s$bits" >/dev/null 2>&1
    cp "$work/src$bits"/*.dpx "$OUT/dpx/"
    for f in "$work/src$bits"/*.dpx; do "$BIN" convert "$f" "$OUT/tiff/$(basename "$f" .dpx).tif" 2>/dev/null; done
done
for f in "$CORPUS"/third-party/*.dpx; do head -c 65536 "$f" > "$OUT/dpx/head-$(basename "$f")"; done
# 10-bit luma as Scanity and Lasergraphics scanners write it: samples three to a word
# straight across row ends, spare bits set (as TestSupport.ScannerDPX builds them).
python3 - "$OUT/dpx" <<'PY'
import pathlib, struct, sys
out = pathlib.Path(sys.argv[1])
def scanner(w, h, packing, creator=b"", device=b""):
    n = w * h
    head = bytearray(4096)
    head[768:2048] = b"\xff" * 1280
    struct.pack_into(">II4s", head, 0, 0x53445058, 4096, b"V2.0")
    struct.pack_into(">IIIII", head, 16, 4096 + (n + 2) // 3 * 4, 1, 1664, 384, 0)
    head[160:160 + len(creator)] = creator
    struct.pack_into(">HHII", head, 768, 0, 1, w, h)
    struct.pack_into(">II", head, 780, 0, 0)
    head[800:804] = bytes([6, 2, 2, 10])
    struct.pack_into(">HHIII", head, 804, packing, 0, 4096, 0, 0)
    head[820:852] = bytes(32)
    head[1432:1620] = bytes(188)
    head[1556:1556 + len(device)] = device
    shifts = (22, 12, 2) if packing == 1 else (20, 10, 0)
    words = [0] * ((n + 2) // 3)
    for i in range(n):
        words[i // 3] |= ((i * 37) % 1024) << shifts[i % 3]
    spare = 0x3 if packing == 1 else 0xC0000000
    return bytes(head) + b"".join(struct.pack(">I", x | spare) for x in words)
(out / "scanity-luma10-filledB-31x25.dpx").write_bytes(scanner(31, 25, 2, device=b"Scanity V3.0"))
(out / "lasergraphics-luma10-filledA-7x4.dpx").write_bytes(scanner(7, 4, 1, creator=b"Lasergraphics Inc."))
PY
for f in "$CORPUS"/third-party/*.tif; do [[ $(stat -c %s "$f") -le 65536 ]] && cp "$f" "$OUT/tiff/"; done
for codec in j2k htj2k jxl; do
    "$BIN" compress "$work/src10" "$work/src16" -o "$work/out-$codec" --profile lossless --codec "$codec" --jobs 1 >/dev/null 2>&1
    cp "$work/out-$codec"/frames/* "$OUT/container/"
done
# The seals (whole JSON documents) and their rebuild records, as the seals carry them
# (zlib, base64) and as JSON.
python3 - "$OUT" <<'PY'
import base64, json, pathlib, re, sys, zlib
out = pathlib.Path(sys.argv[1])
for f in sorted((out / "container").iterdir()):
    data = f.read_bytes()
    start = data.find(b'{"achieved"')
    if start >= 0:
        try:
            _, end = json.JSONDecoder().raw_decode(data[start:].decode("latin-1"))
            (out / "seal" / (f.stem + f.suffix.replace(".", "-") + ".json")).write_bytes(data[start:start + end])
        except ValueError: pass
    m = re.search(rb'"rebuildRecord":"([^"]*)"', data)
    if not m: continue
    raw = base64.b64decode(m.group(1))
    try: raw = zlib.decompress(raw)
    except zlib.error: pass
    (out / "record" / (f.stem + ".json")).write_bytes(raw)
PY
touch "$OUT/.done"
