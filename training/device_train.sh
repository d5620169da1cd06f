#!/usr/bin/env bash
# Train the 12-layer NLI model on a lent GPU machine, two learning-rate variants side by side,
# and return the better one (by held-out accuracy on the training mix, never a bench set).
#
# Prepared here (see MODEL_CARD.md, "Reproduce"): .device/pack12 (python -m training.pack base)
# and .device/train-data.tar.xz (the shared training TSVs). Brought back: $OUT/trained-*.safetensors,
# assembled and exported here with `python -m training.assemble`.
set -uo pipefail
export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD
OUT=${OUT:-runs/device-out}
DEVICE=${DEVICE:-cuda}
MINUTES=${MINUTES:-6}
EXTRA=${EXTRA:-}
mkdir -p "$OUT" runs/device
python3 -c "import tarfile; tarfile.open('.device/train-data.tar.xz').extractall('runs/device')" || exit 1
nvidia-smi --query-gpu=name,memory.total --format=csv,noheader 2>&1 | tee "$OUT/gpu.txt"
python3 -c 'import torch, transformers; print("torch", torch.__version__, "transformers", transformers.__version__)'
declare -A VARIANT=([A]="--batch-size 64 --lr 5e-5" [B]="--batch-size 128 --lr 8e-5")
RUNS=()
for v in ${VARIANTS:-A B}; do
  rm -rf "runs/gpu$v" && python3 -m training.pack unpack .device/pack12 "runs/gpu$v/base" || exit 1
  python3 -m training.train --data runs/device/train-data --device "$DEVICE" --mix full \
    --max-len 128 --epochs 4 --dev 2000 --seed 21 --max-minutes "$MINUTES" --ckpt-minutes 1.5 \
    --no-export --threads 4 --out "runs/gpu$v" ${VARIANT[$v]} $EXTRA > "$OUT/train$v.log" 2>&1 &
  RUNS+=("runs/gpu$v")
done
wait
tail -n 5 "$OUT"/train?.log
python3 -m training.pack dump "${RUNS[@]}" "$OUT"
