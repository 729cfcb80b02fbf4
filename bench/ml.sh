#!/usr/bin/env bash
# ML processors: transcribe on ~10 minutes of espeak-ng speech (WAV and MP3) against FFmpeg decoding
# alone, and extract on a 100-page text PDF and a 10-page image-only PDF against pdftotext and
# tesseract alone; job wall time, RTF or pages/s, Kiln's RSS. Inputs are made at bench time.
# Needs espeak-ng, sox, ffmpeg, poppler-utils (pdftotext, pdftoppm) and tesseract-ocr on PATH.
# Usage: bench/ml.sh [--minutes=10] [--pages=100] [--scanned=10] [--parts=transcribe,extract]
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/classpath.sh
exec "$JAVA" --enable-native-access=ALL-UNNAMED -Xshare:off ${BENCH_JAVA_OPTS:-} -cp "$BENCH_CP" dev.kiln.bench.MlBench "$@"
