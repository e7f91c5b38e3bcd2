#!/usr/bin/env python3
"""Reference SSIM / tile floor / PSNR values from scikit-image, for Reelpack's metric tests.

Reelpack's metrics (DESIGN.md section 3) must equal scikit-image's
``structural_similarity(a, b, gaussian_weights=True, sigma=1.5,
use_sample_covariance=False, data_range=L)`` per channel, with L = 2^bitDepth - 1 of
the source, and ``peak_signal_noise_ratio(a, b, data_range=L)`` over all samples.

Two modes:

``fixtures`` (default): regenerates ``Tests/MetricsTests/Fixtures/``. Real corpus frames
(``../shared/corpus`` beside the package, or ``$REELPACK_CORPUS``) are decoded by
ffmpeg (an independent decoder) to planar rawvideo, cropped at full resolution (never
resampled) to 160x128 (one one-channel crop 300x280), and distorted five ways: Gaussian noise, Gaussian blur,
quantisation (low bits dropped), a lossy JPEG 2000 round trip (OpenJPEG through
imagecodecs), and a local artifact (one flattened block). Every image is written as
raw planar little-endian UInt16 (``NAME.u16``, plane after plane, row by row), and
``reference.json`` lists each pair with scikit-image's values. It also holds values for a
few pairs of whole corpus frames (``corpusPairs``), which the Swift tests read with
Reelpack's own DPX/TIFF readers, so no image is stored for them. Run from the package root:

    python3 scripts/reference_metrics.py            # needs ffmpeg, numpy, scikit-image, imagecodecs

The output is deterministic (fixed seeds), so rerunning it reproduces the committed files
unless a library's numerics change.

``bench``: times scikit-image on one raw pair and prints one JSON line (used by
``reelpack-bench metrics``):

    python3 scripts/reference_metrics.py bench REF.u16 TEST.u16 WIDTH HEIGHT CHANNELS BITDEPTH
"""

import json
import os
import subprocess
import sys
import time

import numpy as np
from scipy import ndimage
from skimage.metrics import peak_signal_noise_ratio, structural_similarity

CROP_W, CROP_H = 160, 128
TILE = 64
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
FIXTURES = os.path.join(ROOT, "Tests", "MetricsTests", "Fixtures")
CORPUS = os.environ.get("REELPACK_CORPUS") or os.path.join(os.path.dirname(ROOT), "shared", "corpus")

ALL = ("noise", "blur", "quant", "j2k", "local")
# (fixture stem, corpus file, ffmpeg planar pix_fmt, planes kept in RGB(A) order, bit depth,
#  crop x, y, width, height, distortions). ffmpeg's gbr* formats store planes as G, B, R(, A).
# The wide one-channel crop spans several 128-row strips and 256-column blocks of the map.
SOURCES = [
    ("cannon-log10", "photos/Cannon_log10.dpx", "gbrp10le", [2, 0, 1], 10, 300, 200, CROP_W, CROP_H, ALL),
    ("stilllife-709-12", "photos/StillLife_709_12.dpx", "gbrp12le", [2, 0, 1], 12, 540, 360, CROP_W, CROP_H, ALL),
    ("desk-srgb16", "photos/Desk_srgb16.tif", "gbrp16le", [2, 0, 1], 16, 240, 380, CROP_W, CROP_H, ALL),
    ("cannon-gray8", "third-party/ffmpeg_gray.dpx", "gray", [0], 8, 420, 120, CROP_W, CROP_H, ALL),
    ("nuke-rgba10", "third-party/dpx_nuke_16bits_rgba.dpx", "gbrap10le", [2, 0, 1, 3], 10, 180, 190, CROP_W, CROP_H, ALL),
    ("stilllife-red12", "photos/StillLife_709_12.dpx", "gbrp12le", [2], 12, 200, 300, 300, 280, ("noise", "j2k", "local")),
]


# Whole corpus frames compared with each other at full resolution (no image stored: the
# Swift test reads both files with Reelpack's own readers): (name, reference, test,
# ffmpeg planar pix_fmt, plane order to RGB, bit depth).
CORPUS_PAIRS = [
    ("cannon-log10-vs-bw", "photos/Cannon_log10.dpx", "photos/Cannon_bw_log10.dpx", "gbrp10le", [2, 0, 1], 10),
    ("cannon-log10-vs-oiio-filled-b", "photos/Cannon_log10.dpx", "third-party/oiio_rgb10_filledB.dpx", "gbrp10le", [2, 0, 1], 10),
    ("cannon-709-12-vs-oiio-rgb12", "photos/Cannon_709_12.dpx", "third-party/oiio_rgb12.dpx", "gbrp12le", [2, 0, 1], 12),
    ("cannon-srgb16-vs-oiio-deflate", "photos/Cannon_srgb16.tif", "third-party/oiio_rgb16_deflate.tif", "gbrp16le", [2, 0, 1], 16),
]


def decode(path, pix_fmt, order):
    """Decodes a corpus file with ffmpeg to a (channels, height, width) uint16 array."""
    probe = subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "stream=width,height", "-of", "csv=p=0", path],
        check=True, capture_output=True, text=True).stdout.strip().split(",")
    width, height = int(probe[0]), int(probe[1])
    raw = subprocess.run(
        ["ffmpeg", "-v", "error", "-i", path, "-f", "rawvideo", "-pix_fmt", pix_fmt, "-"],
        check=True, capture_output=True).stdout
    dtype = np.uint8 if pix_fmt == "gray" else np.dtype("<u2")
    planes = np.frombuffer(raw, dtype=dtype).reshape(-1, height, width)
    return planes[order].astype(np.uint16)


def metrics(ref, test, bits):
    """scikit-image's values for planar (C, H, W) images at `bits` bits."""
    peak = float((1 << bits) - 1)
    per_channel, maps = [], []
    for c in range(ref.shape[0]):
        value, full = structural_similarity(
            ref[c].astype(np.float64), test[c].astype(np.float64),
            gaussian_weights=True, sigma=1.5, use_sample_covariance=False,
            data_range=peak, full=True)
        per_channel.append(float(value))
        maps.append(full[5:-5, 5:-5])   # the valid region: (W-10) x (H-10)
    ssim_map = np.mean(maps, axis=0)
    floor, worst = None, None
    for ty in range(0, ssim_map.shape[0], TILE):
        for tx in range(0, ssim_map.shape[1], TILE):
            tile = ssim_map[ty:ty + TILE, tx:tx + TILE]
            value = float(tile.mean())
            if floor is None or value < floor:
                floor, worst = value, {"x": tx, "y": ty, "width": tile.shape[1], "height": tile.shape[0]}
    diff = ref.astype(np.int64) - test.astype(np.int64)
    identical = not diff.any()
    psnr = None if identical else float(peak_signal_noise_ratio(
        ref.astype(np.float64), test.astype(np.float64), data_range=peak))
    return {
        "ssim": float(np.mean(per_channel)),
        "ssimPerChannel": per_channel,
        "tileFloor": floor,
        "worstTile": worst,
        "psnr": psnr,
        "identical": identical,
        "maxError": int(np.abs(diff).max()),
        "mse": float(np.mean(diff.astype(np.float64) ** 2)),
    }


def distortions(ref, bits, seed):
    """Named distorted copies of `ref` (C, H, W), all clipped to the bit depth."""
    # `local` flattens a 24x24 block at (100, 70).
    peak = (1 << bits) - 1
    rng = np.random.default_rng(seed)
    out = {}
    noisy = ref + rng.normal(0.0, 0.02 * peak, ref.shape)
    out["noise"] = np.clip(np.rint(noisy), 0, peak)
    blurred = np.stack([ndimage.gaussian_filter(p.astype(np.float64), 1.0, mode="reflect") for p in ref])
    out["blur"] = np.clip(np.rint(blurred), 0, peak)
    drop = max(1, bits - 5)
    out["quant"] = (ref >> drop) << drop
    out["j2k"] = j2k_round_trip(ref, bits)
    local = ref.astype(np.float64).copy()
    y0, x0 = 70, 100                                   # a 24x24 block, flattened to its mean
    for c in range(local.shape[0]):
        block = local[c, y0:y0 + 24, x0:x0 + 24]
        block[...] = np.rint(block.mean())
    out["local"] = local
    return {k: v.astype(np.uint16) for k, v in out.items()}


def j2k_round_trip(ref, bits):
    """A lossy JPEG 2000 (OpenJPEG 9/7, 30:1) round trip at the source's bit depth."""
    import imagecodecs
    hwc = np.ascontiguousarray(np.moveaxis(ref, 0, -1)) if ref.shape[0] > 1 else ref[0]
    data = hwc.astype(np.uint16) if bits > 8 else hwc.astype(np.uint8)
    encoded = imagecodecs.jpeg2k_encode(data, level=30, bitspersample=bits, reversible=False)
    decoded = imagecodecs.jpeg2k_decode(encoded)
    if decoded.ndim == 2:
        decoded = decoded[np.newaxis]
    else:
        decoded = np.moveaxis(decoded, -1, 0)
    return decoded.astype(np.uint16)


def write_raw(name, planes):
    path = os.path.join(FIXTURES, name + ".u16")
    np.ascontiguousarray(planes, dtype="<u2").tofile(path)
    return name + ".u16"


def fixtures():
    os.makedirs(FIXTURES, exist_ok=True)
    cases = []
    for index, (stem, rel, pix_fmt, order, bits, cx, cy, cw, ch, kinds) in enumerate(SOURCES):
        full = decode(os.path.join(CORPUS, rel), pix_fmt, order)
        assert int(full.max()) <= (1 << bits) - 1, f"{rel}: samples exceed {bits} bits"
        ref = np.ascontiguousarray(full[:, cy:cy + ch, cx:cx + cw])
        assert ref.shape[1:] == (ch, cw)
        stem = f"{stem}-{cw}x{ch}x{ref.shape[0]}-{bits}b"
        ref_file = write_raw(stem, ref)
        for kind, test in distortions(ref, bits, seed=1000 + index).items():
            if kind not in kinds:
                continue
            test_file = write_raw(f"{stem}-{kind}", test)
            case = {"name": f"{stem}-{kind}", "source": rel, "crop": [cx, cy],
                    "reference": ref_file, "test": test_file,
                    "width": cw, "height": ch, "channels": int(ref.shape[0]), "bitDepth": bits}
            case.update(metrics(ref, test, bits))
            cases.append(case)
            print(f"{case['name']:28s} ssim {case['ssim']:.6f} floor {case['tileFloor']:.6f} "
                  f"psnr {case['psnr'] if case['psnr'] is None else round(case['psnr'], 3)}")
    pairs = []
    for name, ref_rel, test_rel, pix_fmt, order, bits in CORPUS_PAIRS:
        ref = decode(os.path.join(CORPUS, ref_rel), pix_fmt, order)
        test = decode(os.path.join(CORPUS, test_rel), pix_fmt, order)
        pair = {"name": name, "reference": ref_rel, "test": test_rel, "width": int(ref.shape[2]),
                "height": int(ref.shape[1]), "channels": int(ref.shape[0]), "bitDepth": bits}
        pair.update(metrics(ref, test, bits))
        pairs.append(pair)
        print(f"{name:40s} ssim {pair['ssim']:.6f} floor {pair['tileFloor']:.6f} psnr {pair['psnr']}")
    document = {
        "generator": "scripts/reference_metrics.py",
        "skimage": __import__("skimage").__version__,
        "numpy": np.__version__,
        "call": "structural_similarity(gaussian_weights=True, sigma=1.5, use_sample_covariance=False, data_range=L)",
        "cases": cases,
        "corpusPairs": pairs,
    }
    with open(os.path.join(FIXTURES, "reference.json"), "w") as f:
        json.dump(document, f, indent=1, sort_keys=True)
        f.write("\n")


def bench(ref_path, test_path, width, height, channels, bits):
    shape = (channels, height, width)
    ref = np.fromfile(ref_path, dtype="<u2").reshape(shape)
    test = np.fromfile(test_path, dtype="<u2").reshape(shape)
    start, cpu_start = time.perf_counter(), time.process_time()
    peak = float((1 << bits) - 1)
    per_channel = [float(structural_similarity(
        ref[c], test[c], gaussian_weights=True, sigma=1.5,
        use_sample_covariance=False, data_range=peak)) for c in range(channels)]
    ssim_seconds = time.perf_counter() - start
    ssim_cpu_seconds = time.process_time() - cpu_start
    start = time.perf_counter()
    psnr = float(peak_signal_noise_ratio(ref, test, data_range=peak))
    psnr_seconds = time.perf_counter() - start
    print(json.dumps({"ssim": float(np.mean(per_channel)), "ssimPerChannel": per_channel,
                      "psnr": psnr, "ssimSeconds": ssim_seconds, "ssimCPUSeconds": ssim_cpu_seconds,
                      "psnrSeconds": psnr_seconds}))


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "bench":
        a = sys.argv[2:]
        bench(a[0], a[1], int(a[2]), int(a[3]), int(a[4]), int(a[5]))
    else:
        fixtures()
