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
rm -rf "$OUT"; mkdir -p "$OUT"/{dpx,tiff,container,record}
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
for bits in 8 10 12 16; do
    "$BIN" synth -o "$work/src$bits" --frames 1 --size 64x48 --bits "$bits" --name "s$bits" >/dev/null 2>&1
    cp "$work/src$bits"/*.dpx "$OUT/dpx/"
    for f in "$work/src$bits"/*.dpx; do "$BIN" convert "$f" "$OUT/tiff/$(basename "$f" .dpx).tif" 2>/dev/null; done
done
for f in "$CORPUS"/third-party/*.dpx; do head -c 65536 "$f" > "$OUT/dpx/head-$(basename "$f")"; done
for f in "$CORPUS"/third-party/*.tif; do [[ $(stat -c %s "$f") -le 65536 ]] && cp "$f" "$OUT/tiff/"; done
for codec in j2k htj2k jxl; do
    "$BIN" compress "$work/src10" "$work/src16" -o "$work/out-$codec" --profile lossless --codec "$codec" --jobs 1 >/dev/null 2>&1
    cp "$work/out-$codec"/frames/* "$OUT/container/"
done
# The rebuild records, as the seals carry them (zlib, base64) and as JSON.
python3 - "$OUT" <<'PY'
import base64, json, pathlib, re, sys, zlib
out = pathlib.Path(sys.argv[1])
for f in sorted((out / "container").iterdir()):
    data = f.read_bytes()
    m = re.search(rb'"rebuildRecord":"([^"]*)"', data)
    if not m: continue
    raw = base64.b64decode(m.group(1))
    try: raw = zlib.decompress(raw)
    except zlib.error: pass
    (out / "record" / (f.stem + ".json")).write_bytes(raw)
PY
touch "$OUT/.done"
