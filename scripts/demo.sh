#!/usr/bin/env bash
# The demo reel: a short synthetic 10-bit film sequence, then the main job on it.
set -euo pipefail
out=${1:-demo}
bin=.build/release/reelpack
rm -rf "$out"
mkdir -p "$out"
echo "== synth: a 24-frame 2K 10-bit reel with grain, gradients and motion"
"$bin" synth -o "$out/scans" --frames 24 --size 2048x1080 --bits 10 --kind grain
echo "== probe: the first frame's header"
first=$(ls "$out/scans"/*.dpx | head -n 1)
"$bin" probe "$first"
echo "== convert: DPX -> 16-bit TIFF -> DPX, samples exact"
"$bin" convert "$first" "$out/first.tif"
"$bin" convert "$out/first.tif" "$out/first-roundtrip.dpx"
"$bin" measure "$first" "$out/first-roundtrip.dpx"
