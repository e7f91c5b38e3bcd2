#!/usr/bin/env bash
# Installs what Reelpack needs to build and test, if missing: the C libraries
# (libtiff, OpenJPEG, OpenJPH, libjxl), the reference tools tests compare against
# (ffmpeg, oiiotool, opj_*, ojph_*, cjxl/djxl, tiffinfo; headless Chromium for the
# report rendering test; chromium-driver and python3-selenium for the review's
# browser test; PostgreSQL for the work queue's tests), the Python reference
# packages (scikit-image for SSIM, imagecodecs) and kubernetes-validate (the Kubernetes
# API schemas, bundled, for checking deploy/kubernetes offline). Debian 12 or Ubuntu.
# Slurm and munge, for `make test-slurm` only, are installed by scripts/test-slurm.sh.
set -euo pipefail

packages=(pkg-config zlib1g-dev libtiff-dev libopenjp2-7-dev libopenjph-dev libjxl-dev
          libopenjp2-tools openjph-tools libjxl-tools libtiff-tools ffmpeg openimageio-tools
          libsqlite3-dev postgresql python3-pip chromium chromium-driver python3-selenium fonts-dejavu-core)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  echo "installing: ${missing[*]}"
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

python=${PYTHON:-python3}
if ! "$python" -c 'import skimage, imagecodecs, numpy' 2>/dev/null; then
  echo "installing: scikit-image imagecodecs (pip)"
  "$python" -m pip install -q scikit-image imagecodecs 2>/dev/null \
    || "$python" -m pip install -q --break-system-packages scikit-image imagecodecs
fi

if ! "$python" -c 'import kubernetes_validate, yaml' 2>/dev/null; then
  echo "installing: kubernetes-validate (pip)"
  "$python" -m pip install -q kubernetes-validate==1.37.0 2>/dev/null \
    || "$python" -m pip install -q --break-system-packages kubernetes-validate==1.37.0
fi
