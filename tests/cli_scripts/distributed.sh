#!/usr/bin/env bash
# Data-parallel training under Open MPI (docs/distributed.md): N ranks with global batch B train
# the same weights as one process with batch B (N = 1, 2, 3, 4; 3 splits the batches unevenly),
# rank 0 alone writes the run directory and prints, early stopping agrees, a signal to one rank
# stops all with one checkpoint and the run resumes, a killed rank ends the job within 30 s.
# Registered only when the build has MPI (MLP_MPI); skips (77) without mpirun.
source "$(dirname "$0")/lib.sh" "$1" "$2"

"$MLP" --version > version.txt 2>&1
if ! grep -q "distributed training: Open MPI" version.txt || ! command -v mpirun > /dev/null; then
  echo "skip: this mlp has no MPI support or mpirun is missing ($(tail -1 version.txt))"
  exit 77
fi
if ! have_python || ! "$PY" -c 'import numpy' 2>/dev/null; then
  echo "skip: the weight comparison needs /usr/bin/python3 with numpy"
  exit 77
fi

# CI runs as root in a container without a network: shared memory between the ranks of this
# machine (btl self,vader), no single-copy mechanism (needs ptrace rights containers lack), no
# core binding (more ranks than cores), every rank one OpenMP thread.
mpi() {  # mpi N args...  — mpirun of mlp on N ranks, at most 120 s
  local n=$1
  shift
  timeout 120 mpirun --allow-run-as-root --oversubscribe --bind-to none \
    --mca btl self,vader --mca btl_vader_single_copy_mechanism none \
    -x OMP_NUM_THREADS=1 -np "$n" "$MLP" "$@"
}
export OMP_NUM_THREADS=1

cp "$SRC/examples/data/digits_8x8.csv" .
# Digits without dropout (equality needs the same masks, docs/distributed.md), 3 epochs of Adam
# in batches of 50: 1438 training examples, so the last batch has 38 (uneven over 3 and 4 ranks).
cat > digits.toml <<'EOF'
[data]
train = "digits_8x8.csv"
target = "digit"
task = "classification"
[model]
hidden = [32]
activation = "relu"
[train]
optimizer = "adam"
learning_rate = 0.003
batch_size = 50
epochs = 3
seed = 3
threads = 1
EOF

# compare A B: max |θ_A − θ_B| / max |θ_A| over every tensor of two model files (safetensors).
cat > compare.py <<'EOF'
import json, struct, sys
import numpy as np
def tensors(path):
    raw = open(path, "rb").read()
    n = struct.unpack("<Q", raw[:8])[0]
    head = json.loads(raw[8:8 + n])
    data = raw[8 + n:]
    out = {}
    for k, v in head.items():
        if k == "__metadata__":
            continue
        b, e = v["data_offsets"]
        out[k] = np.frombuffer(data[b:e], dtype=np.float32 if v["dtype"] == "F32" else np.float64)
    return out
a, b = tensors(sys.argv[1]), tensors(sys.argv[2])
assert a.keys() == b.keys(), (a.keys(), b.keys())
scale = max(float(np.abs(t).max()) for t in a.values())
diff = max(float(np.abs(a[k].astype(np.float64) - b[k]).max()) for k in a)
print(f"{diff / scale:.3e}")
EOF
rel_diff() { "$PY" compare.py "$1" "$2"; }
within() { "$PY" -c "import sys; sys.exit(0 if float('$1') <= float('$2') else 1)"; }

# ---- one process, the reference -----------------------------------------------------------------
expect_exit 0 "one process" -- "$MLP" train digits.toml --out one -q --json
cp out one.json
grep -q '"ranks": 1' one.json && pass || fail "--json of one process says \"ranks\": 1"

# ---- N ranks give the weights of one process ------------------------------------------------------
for n in 1 2 3 4; do
  expect_exit 0 "mpirun -np $n" -- mpi "$n" train digits.toml --out "np$n" -q --json
  cp out "np$n.json"
  cp err "np$n.err"
  grep -q "\"ranks\": $n" "np$n.json" && pass || fail "np $n: --json says \"ranks\": $n"
  "$PY" -c "import json,sys; j=json.load(open('np$n.json')); sys.exit(0 if j['allreduce_seconds'] >= 0 and j['epochs_run'] == 3 else 1)" \
    && pass || fail "np $n: --json has allreduce_seconds and 3 epochs"
  [ "$(grep -c '"model"' "np$n.json")" -eq 1 ] && pass || fail "np $n: one JSON object on stdout (rank 0's)"
  d=$(rel_diff one/model.mlp "np$n/model.mlp")
  echo "np $n: max relative weight difference to one process: $d"
  within "$d" 1e-6 && pass || fail "np $n: weights differ from one process by $d (> 1e-6 relative)"
  # Rank 0 alone wrote the run directory: the same files as the one-process run.
  [ "$(cd one && find . -type f | sort)" = "$(cd "np$n" && find . -type f | sort)" ] && pass ||
    fail "np $n: the run directory holds other files than one process's"
done
# The dev metrics each epoch (every rank evaluates the whole dev set) and the running training
# cost (reduced over the ranks) are those of one process.
"$PY" - <<'EOF' && pass || fail "np 3: metrics.jsonl matches one process's"
import json, math
def rows(p):
    return [json.loads(l) for l in open(p)]
a, b = rows("one/metrics.jsonl"), rows("np3/metrics.jsonl")
assert len(a) == len(b) == 3
def close(x, y):
    if isinstance(x, (int, float)) and isinstance(y, (int, float)):
        return math.isclose(x, y, rel_tol=1e-4, abs_tol=1e-6)
    return True
for ra, rb in zip(a, b):
    for part in ("train", "dev"):
        for k in ("loss", "accuracy"):
            assert close(ra[part][k], rb[part][k]), (part, k, ra[part][k], rb[part][k])
EOF

# ---- early stopping decides the same on every rank ------------------------------------------------
es=(--set train.epochs=30 --set train.early_stopping.enabled=true --set train.early_stopping.patience=2
    --set train.learning_rate=0.03)
expect_exit 0 "one process, early stopping" -- "$MLP" train digits.toml --out es1 -q --json "${es[@]}"
cp out es1.json
expect_exit 0 "mpirun -np 3, early stopping" -- mpi 3 train digits.toml --out es3 -q --json "${es[@]}"
cp out es3.json
"$PY" -c "
import json, sys
a, b = json.load(open('es1.json')), json.load(open('es3.json'))
print('early stopping: one process', a['epochs_run'], a['best_epoch'], a['stop_reason'], '/ 3 ranks', b['epochs_run'], b['best_epoch'], b['stop_reason'])
sys.exit(0 if (a['epochs_run'], a['best_epoch'], a['stop_reason']) == (b['epochs_run'], b['best_epoch'], b['stop_reason']) else 1)
" && pass || fail "early stopping: 3 ranks stop at the epoch one process stops at"

# ---- rank 0 alone prints --------------------------------------------------------------------------
expect_exit 0 "mpirun -np 2, progress" -- mpi 2 train digits.toml --out talk2
[ "$(grep -c '^mlp train:' err)" -eq 1 ] && pass || fail "np 2: one 'mlp train:' line (rank 0's), got $(grep -c '^mlp train:' err)"
[ "$(grep -c '^epoch 3/3' err)" -eq 1 ] && pass || fail "np 2: one line per epoch"
[ "$(grep -c '^model:' out)" -eq 1 ] && pass || fail "np 2: one result (rank 0's)"

# ---- dropout: each rank its own masks; trains, differs from one process --------------------------
expect_exit 0 "mpirun -np 2 with dropout" -- mpi 2 train digits.toml --out drop2 -q --set model.keep_prob=0.8
expect_exit 0 "one process with dropout" -- "$MLP" train digits.toml --out drop1 -q --set model.keep_prob=0.8
d=$(rel_diff drop1/model.mlp drop2/model.mlp)
within 1e-6 "$d" && pass || fail "dropout: 2 ranks draw other masks than one process (difference $d)"

# ---- the line search stays on one process ---------------------------------------------------------
expect_exit 2 "line search on 2 ranks" -- mpi 2 train digits.toml --out ls2 -q \
  --set train.optimizer=gd --set train.line_search=true --set train.batch_size=100000
expect_err "line_search runs on one process" "line search refused on 2 ranks, saying why"

# ---- the refit (a second training on rank 0 alone) stays on one process too ----------------------
expect_exit 2 "refit on 2 ranks" -- mpi 2 train digits.toml --out rf2 -q --set train.refit=true
expect_err "train.refit is not supported on 2" "refit refused on 2 ranks, saying why"
[ ! -e rf2 ] && pass || fail "refit on 2 ranks: no run directory written"

# ---- a signal to one rank: every rank stops, one checkpoint, the run resumes --------------------------
# Long enough that the signal always lands mid-run (400 epochs of digits take about a second on
# an idle machine); the resumed run then trains 2 epochs past those the signalled one finished.
long=(--set train.epochs=1000000 --set train.checkpoint_every=10000000)
mpi 3 train digits.toml --out sig3 -q "${long[@]}" > sig.out 2> sig.err &
job=$!
rank_pid() {  # rank_pid DIR RANK: the pid of that rank of the mlp training into DIR
  local p
  for p in $(pgrep -f -- "--out $1 "); do
    if tr '\0' '\n' < "/proc/$p/environ" 2>/dev/null | grep -qx "OMPI_COMM_WORLD_RANK=$2" &&
       [ "$(readlink -f "/proc/$p/exe" 2>/dev/null)" = "$MLP" ]; then
      echo "$p"
      return
    fi
  done
}
for _ in $(seq 100); do [ -e sig3/metrics.jsonl ] && [ -n "$(rank_pid sig3 2)" ] && break; sleep 0.1; done
sleep 1
victim=$(rank_pid sig3 2)
if [ -n "$victim" ]; then
  kill -TERM "$victim"
  t0=$(date +%s)
  wait "$job"
  code=$?
  echo "SIGTERM to rank 2: mpirun exit $code after $(( $(date +%s) - t0 )) s"
  { [ "$code" -eq 143 ] || [ "$code" -eq 130 ]; } && pass || fail "SIGTERM to rank 2: exit $code, expected 143 or 130"
  [ "$(ls sig3/checkpoints/*.mlpck 2>/dev/null | wc -l)" -eq 1 ] && pass || fail "SIGTERM to rank 2: one checkpoint"
  grep -q "interrupted — checkpoint" sig.err && pass || fail "SIGTERM to rank 2: rank 0 reports the checkpoint"
  [ ! -e sig3/model.mlp ] && pass || fail "SIGTERM to rank 2: no final model"
  done_epochs=$(wc -l < sig3/metrics.jsonl)
  expect_exit 0 "resume on 3 ranks" -- mpi 3 train --out sig3 --resume -q --set train.epochs=$((done_epochs + 2))
  [ -s sig3/model.mlp ] && pass || fail "the resumed run writes its model"
else
  fail "could not find rank 2 of the signalled run"
  wait "$job"
fi

# ---- a killed rank ends the job within 30 s, naming the rank ----------------------------------------
mpi 3 train digits.toml --out kill3 -q "${long[@]}" > kill.out 2> kill.err &
job=$!
for _ in $(seq 100); do [ -e kill3/metrics.jsonl ] && [ -n "$(rank_pid kill3 1)" ] && break; sleep 0.1; done
sleep 1
victim=$(rank_pid kill3 1)
if [ -n "$victim" ]; then
  t0=$(date +%s)
  kill -KILL "$victim"
  wait "$job"
  code=$?
  took=$(( $(date +%s) - t0 ))
  echo "kill -9 of rank 1: mpirun exit $code after $took s"
  [ "$code" -ne 0 ] && pass || fail "kill -9 of rank 1: exit 0"
  [ "$took" -le 30 ] && pass || fail "kill -9 of rank 1: the job took $took s to end"
  grep -Eq "rank 1|\[\[[0-9]+,1\],1\]" kill.err && pass || { fail "kill -9 of rank 1: the message names rank 1"; head -20 kill.err >&2; }
  [ ! -e kill3/model.mlp ] && pass || fail "kill -9 of rank 1: no model"
else
  fail "could not find rank 1 of the killed run"
  wait "$job"
fi

finish
