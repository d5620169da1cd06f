#!/usr/bin/env bash
# Fine-tune the NLI cross-encoder on the annotated cases' own pairs on a lent GPU machine:
# three settings, six leave-one-author-out folds each (held-out predictions for stacking), then
# the final model, trained on all six authors, for the setting whose held-out AP is higher.
#
# Prepared here: .device/domain-pairs.json (python -m training.domain_nli --export-pairs FILE).
# Brought back: $OUT/domain.tgz (each setting's held-out preds.json, AP summary and log) and
# $OUT/trained-*.safetensors + train_info.json (the final model's weights, word embeddings
# excepted), assembled here into fp32 + int8 ONNX with
# `python -m training.assemble runs/domain/base RETURNED_DIR --out runs/domain-gpu`.
set -uo pipefail
export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD
OUT=${OUT:-runs/device-out}
DEVICE=${DEVICE:-cuda}
PAIRS=${PAIRS:-.device/domain-pairs.json}
mkdir -p "$OUT" runs
nvidia-smi --query-gpu=name,memory.total --format=csv,noheader 2>&1 | tee "$OUT/gpu.txt"
declare -A VARIANT=([A]="--epochs 2 --negatives 3 --lr 3e-5 --batch-size 16"
                    [C]="--epochs 3 --negatives 10 --lr 4e-5 --batch-size 32"
                    [B]="--epochs 4 --negatives 6 --lr 5e-5 --batch-size 32")
python3 -c "from pathlib import Path; from training.domain_nli import prepare_base; \
prepare_base(Path('runs/domA'))" || exit 1
for v in ${VARIANTS:-A B C}; do
  mkdir -p "runs/dom$v" && [ -d "runs/dom$v/base" ] || cp -r runs/domA/base "runs/dom$v/base"
  python3 -m training.domain_nli --pairs "$PAIRS" --device "$DEVICE" --threads 4 \
    --out "runs/dom$v" ${VARIANT[$v]} ${EXTRA:-} > "runs/dom$v/log.txt" 2>&1 &
done
wait
for v in ${VARIANTS:-A B C}; do echo "== $v: ${VARIANT[$v]}"; tail -n 4 "runs/dom$v/log.txt"; done
BEST=$(python3 -c "import json, sys; s = {v: json.load(open(f'runs/dom{v}/summary.json')) \
for v in sys.argv[1:]}; print(max(s, key=lambda v: sum(s[v].values())))" ${VARIANTS:-A B C}) || exit 1
echo "final: $BEST"
python3 -m training.domain_nli --pairs "$PAIRS" --device "$DEVICE" --threads 4 --final \
  --out "runs/dom$BEST" ${VARIANT[$BEST]} ${EXTRA:-} > "runs/dom$BEST/final.log" 2>&1 || exit 1
cp "runs/dom$BEST"/final/* "$OUT"/
tar czf "$OUT/domain.tgz" runs/dom*/preds.json runs/dom*/summary.json runs/dom*/*.log runs/dom*/log.txt 2>/dev/null
ls -la "$OUT"
