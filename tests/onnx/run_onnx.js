// Runs an ONNX model with ONNX Runtime (onnxruntime-node, installed into tests/onnx/node_modules
// by scripts/install-deps.sh) and prints its outputs as JSON.
//
//   node tests/onnx/run_onnx.js MODEL.onnx INPUT.json
//
// INPUT.json: {"features": [[x11, x12, ...], ...]} (rows of the input `features`, null = NaN).
// Prints {"<output name>": {"dims": [...], "type": "...", "data": [...]}, ...}; float values as
// JSON numbers (NaN as null), int64 as numbers, strings as strings. Exit 77 when onnxruntime-node
// is not installed (the calling test then skips).
'use strict';
const fs = require('fs');
const path = require('path');

let ort;
try {
  ort = require(path.join(__dirname, 'node_modules', 'onnxruntime-node'));
} catch (e) {
  process.stderr.write(`onnxruntime-node is not installed (scripts/install-deps.sh): ${e.message}\n`);
  process.exit(77);
}

async function main() {
  const [modelPath, inputPath] = process.argv.slice(2);
  const input = JSON.parse(fs.readFileSync(inputPath, 'utf8'));
  const rows = input.features;
  const n = rows.length;
  const d = n > 0 ? rows[0].length : 0;
  const data = new Float32Array(n * d);
  rows.forEach((r, i) => r.forEach((v, j) => { data[i * d + j] = v === null ? NaN : v; }));
  const session = await ort.InferenceSession.create(modelPath);
  const feeds = {};
  feeds[session.inputNames[0]] = new ort.Tensor('float32', data, [n, d]);
  const results = await session.run(feeds);
  const out = {};
  for (const name of session.outputNames) {
    const t = results[name];
    out[name] = {
      dims: Array.from(t.dims),
      type: t.type,
      data: Array.from(t.data, (v) => (typeof v === 'bigint' ? Number(v) : (Number.isNaN(v) ? null : v))),
    };
  }
  process.stdout.write(JSON.stringify(out) + '\n');
}

main().catch((e) => {
  process.stderr.write(`run_onnx: ${e.message}\n`);
  process.exit(1);
});
