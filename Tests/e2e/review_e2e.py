#!/usr/bin/python3
"""End-to-end test of `reelpack review` in a real browser (Debian's chromium, driven
by chromium-driver through python3-selenium).

It makes a small reel (`reelpack synth`), compresses it at C0 and C2, starts
`reelpack review` on a free port, and in headless Chromium:
  - uses the wipe at 50 % at 1:1 and checks the screenshot's pixels: the left half
    is the served source tile, the right half the served output tile;
  - flickers (key f, then Space) and checks the screenshot is the source, then the output;
  - runs a blind session (the name asked once by the page), scoring every pair;
then checks the scores in both catalogs and in `reelpack review --summary --json`.

Exit status 0 passed, 1 failed, 77 skipped (Chromium cannot start here; the reason is
printed). `make test` runs it after the Swift tests.
"""
import argparse
import json
import os
import shutil
import sqlite3
import struct
import subprocess
import sys
import tempfile
import time
import urllib.request
import zlib

SKIP = 77


def decode_png(data):
    """8-bit non-interlaced PNG (grey, RGB or RGBA) -> (width, height, rows of RGB tuples)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    at, idat, width = 8, b"", 0
    while at < len(data):
        length, kind = struct.unpack(">I4s", data[at:at + 8])
        body = data[at + 8:at + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", body)
            assert depth == 8 and interlace == 0, "only 8-bit non-interlaced PNGs"
            channels = {0: 1, 2: 3, 6: 4}[colour]
        elif kind == b"IDAT":
            idat += body
        at += 12 + length
    raw = zlib.decompress(idat)
    stride = width * channels
    rows, previous, i = [], bytearray(stride), 0
    for _ in range(height):
        kind, line = raw[i], bytearray(raw[i + 1:i + 1 + stride])
        i += 1 + stride
        for x in range(stride):
            a = line[x - channels] if x >= channels else 0
            b = previous[x]
            c = previous[x - channels] if x >= channels else 0
            if kind == 1:
                line[x] = (line[x] + a) & 255
            elif kind == 2:
                line[x] = (line[x] + b) & 255
            elif kind == 3:
                line[x] = (line[x] + (a + b) // 2) & 255
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(line)
        previous = line
    pick = (lambda r, x: (r[x], r[x], r[x])) if channels == 1 else (lambda r, x: tuple(r[x * channels:x * channels + 3]))
    return width, height, [[pick(r, x) for x in range(width)] for r in rows]


def mean_abs(a, b, x0, x1, y0, y1):
    """Mean absolute difference of two pictures (rows of RGB) over a region."""
    total, n = 0, 0
    for y in range(y0, y1):
        for x in range(x0, x1):
            total += sum(abs(p - q) for p, q in zip(a[y][x], b[y][x]))
            n += 3
    return total / n


def run(cmd, **kw):
    print("$ " + " ".join(cmd), flush=True)
    return subprocess.run(cmd, check=True, text=True, capture_output=True, **kw)


def fail(message):
    print("review e2e: FAILED: " + message, flush=True)
    sys.exit(1)


def check(condition, message):
    if not condition:
        fail(message)
    print("  ok: " + message, flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--reelpack", required=True, help="the reelpack binary")
    ap.add_argument("--screenshot", help="also save a screenshot of the page here (PNG)")
    ap.add_argument("--keep", action="store_true", help="keep the work folder")
    ap.add_argument("--size", default="256x144", help="frame size of the reel (WIDTHxHEIGHT)")
    args = ap.parse_args()

    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
        from selenium.webdriver.common.by import By
        from selenium.webdriver.support.ui import WebDriverWait
    except ImportError as error:
        print(f"review e2e: SKIPPED: python3-selenium is not installed ({error}); run scripts/install-deps.sh")
        return SKIP
    driver_path = shutil.which("chromedriver") or "/usr/bin/chromedriver"
    browser_path = shutil.which("chromium") or "/usr/bin/chromium"

    work = tempfile.mkdtemp(prefix="reelpack-review-e2e-")
    server = None
    driver = None
    try:
        reelpack = os.path.abspath(args.reelpack)
        scans = os.path.join(work, "scans")
        run([reelpack, "synth", "-o", scans, "--frames", "3", "--size", args.size, "--bits", "10", "--kind", "grain"])
        outs = []
        for profile in ["C0", "C2"]:
            out = os.path.join(work, "reel-" + profile)
            run([reelpack, "compress", scans, "-o", out, "--profile", profile, "--codec", "htj2k", "--jobs", "2"])
            outs.append(out)

        server = subprocess.Popen([reelpack, "review", *outs, "--source", scans, "--port", "0", "--frames", "2"],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        address = None
        deadline = time.time() + 60
        while time.time() < deadline and address is None:
            line = server.stdout.readline()
            if not line:
                if server.poll() is not None:
                    fail("reelpack review exited: " + server.stderr.read())
                continue
            if line.startswith("http://"):
                address = line.strip()
        check(address is not None and address.startswith("http://127.0.0.1:"), f"the server listens on loopback ({address})")

        options = webdriver.ChromeOptions()
        options.binary_location = browser_path
        for flag in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--window-size=1400,900", "--force-device-scale-factor=1", "--hide-scrollbars"]:
            options.add_argument(flag)
        try:
            driver = webdriver.Chrome(service=Service(driver_path), options=options)
        except Exception as error:  # Chromium or its driver cannot start on this machine.
            print(f"review e2e: SKIPPED: Chromium cannot start here: {str(error).splitlines()[0]}")
            return SKIP
        driver.set_window_size(1400, 900)
        wait = WebDriverWait(driver, 60)
        driver.get(address)
        wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#listBody tr")) == 3)
        transform = driver.find_element(By.ID, "transform").text
        check("Cineon log" in transform, f"the display transform is named on screen ({transform})")

        def loaded():
            return driver.execute_script(
                "const i=[...document.querySelectorAll('.pane img')];"
                "return i.length>0 && i.every(x=>x.dataset.loaded==='1' || x.style.visibility==='hidden' && x.complete && x.naturalWidth>0);")

        def pane_shot():
            wait.until(lambda d: loaded())
            time.sleep(0.3)
            pane = driver.find_element(By.CSS_SELECTOR, ".pane")
            return decode_png(pane.screenshot_as_png), json.loads(pane.get_attribute("data-crop"))

        def served(view, crop, out):
            query = "&".join(f"{k}={v}" for k, v in dict(crop, frame=frame_id, out=out, view=view).items())
            with urllib.request.urlopen(f"{address}api/tile?{query}") as r:
                return decode_png(r.read())

        body = driver.find_element(By.TAG_NAME, "body")
        # Frame 0 of the list, output C2 (index 1), zoom 1:1, wipe at 50 %.
        driver.find_element(By.CSS_SELECTOR, "#listBody tr").click()
        frame_id = int(driver.find_element(By.CSS_SELECTOR, "#listBody tr.sel").get_attribute("data-id"))
        driver.execute_script("const s=document.getElementById('outSel'); s.value='1'; s.dispatchEvent(new Event('change'));")
        body.send_keys("1")
        body.send_keys("w")
        driver.execute_script("const w=document.getElementById('wipe'); w.value='50'; w.dispatchEvent(new Event('input'));")
        (w, h, shot), crop = pane_shot()
        check(crop["step"] == 1 and 0 < crop["w"] <= w and 0 < crop["h"] <= h, f"1:1 crop that fits the pane ({crop})")
        cw, ch = crop["w"], crop["h"]
        half = cw // 2
        _, _, source = served("source", crop, 1)
        _, _, output = served("output", crop, 1)
        y0, y1 = 30, ch  # below the pane's label
        left_src = mean_abs(shot, source, 0, half - 4, y0, y1)
        left_out = mean_abs(shot, output, 0, half - 4, y0, y1)
        right_src = mean_abs(shot, source, half + 4, cw, y0, y1)
        right_out = mean_abs(shot, output, half + 4, cw, y0, y1)
        apart = mean_abs(source, output, half + 4, cw, y0, y1)
        print(f"  wipe: left vs source {left_src:.3f}, vs output {left_out:.3f}; right vs source {right_src:.3f}, vs output {right_out:.3f}; tiles differ by {apart:.3f}")
        check(apart > 0.2, "the C2 output differs visibly from its source (so the check can tell them apart)")
        check(left_src < 0.05 and left_src < left_out, "wipe at 50 %: the left half shows the source's pixels")
        check(right_out < 0.05 and right_out < right_src, "wipe at 50 %: the right half shows the output's pixels")

        body.send_keys("f")
        (_, _, shot), crop = pane_shot()
        check(mean_abs(shot, source, 0, cw, y0, y1) < 0.05, "flicker shows the source first")
        body.send_keys(" ")
        time.sleep(0.3)
        (_, _, shot), crop = pane_shot()
        check(mean_abs(shot, output, 0, cw, y0, y1) < 0.05, "Space flips the flicker to the output")
        check("output" in driver.find_element(By.ID, "flickLabel").text, "the flicker says which one it shows")

        body.send_keys("s")
        body.send_keys("0")
        wait.until(lambda d: loaded())
        if args.screenshot:
            driver.save_screenshot(args.screenshot)

        # Blind session: the name is asked once, by a prompt.
        driver.find_element(By.ID, "tabBlind").click()
        wait.until(lambda d: _alert(d))
        alert = driver.switch_to.alert
        alert.send_keys("Tess")
        alert.accept()
        wait.until(lambda d: d.find_element(By.ID, "blindPos").text.startswith("Pair"))
        check("new session of Tess" in driver.find_element(By.ID, "status").text, "a blind session starts for the name given")
        given = []
        for n in range(4):
            wait.until(lambda d: loaded())
            score = [0, 1, 3, 1][n]
            body.send_keys(str(score))
            body.send_keys("a" if n % 2 == 0 else "b")
            if n == 0:
                driver.find_element(By.ID, "comment").send_keys("soft grain")
            before = driver.find_element(By.ID, "blindPos").text
            driver.find_element(By.ID, "submit").click()
            given.append(score)
            # The next pair is drawn once the score is stored (or the summary once all are).
            wait.until(lambda d: d.find_elements(By.ID, "summaryTable") or d.find_element(By.ID, "blindPos").text != before)
        wait.until(lambda d: d.find_elements(By.ID, "summaryTable"))
        check(True, "four pairs scored (2 frames × 2 folders); the page shows the summary")

        stored = []
        for out in outs:
            db = sqlite3.connect(os.path.join(out, "reelpack.sqlite"))
            rows = db.execute("SELECT score, originalGuess, comment, reviewer FROM reviewScores").fetchall()
            db.close()
            check(len(rows) == 2 and all(r[3] == "Tess" for r in rows), f"{os.path.basename(out)}'s catalog holds its 2 scores")
            stored += rows
        check(sorted(r[0] for r in stored) == sorted(given), f"the catalogs hold the scores given ({sorted(given)})")
        check(any(r[2] == "soft grain" for r in stored), "the comment is stored")

        summary = json.loads(run([reelpack, "review", *outs, "--summary", "--json"]).stdout)
        rows = {p["profile"]: p for p in summary["profiles"]}
        check(set(rows) == {"C0", "C2"} and all(p["scores"] == 2 for p in rows.values()), "--summary --json: 2 scores per profile")
        check(abs(sum(p["meanScore"] * p["scores"] for p in rows.values()) - sum(given)) < 1e-9, "--summary means match the scores")
        check(summary["threshold"] == 1, "acceptance at the default threshold 1")
        print("review e2e: passed")
        return 0
    finally:
        if driver is not None:
            driver.quit()
        if server is not None:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
        if args.keep:
            print("kept " + work)
        else:
            shutil.rmtree(work, ignore_errors=True)


def _alert(driver):
    try:
        driver.switch_to.alert
        return True
    except Exception:
        return False


if __name__ == "__main__":
    sys.exit(main())
