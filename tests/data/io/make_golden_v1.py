#!/usr/bin/python3
"""Writes golden_v1.mlp, a model file of format v1, with the standard library only.

This is an implementation of docs/model-format.md independent of the C++ one: tests/io checks
that mlp loads this file to the expected tensors AND that mlp's serializer reproduces it byte for
byte. Once committed, the file must keep loading in every later version of mlp.
Usage: /usr/bin/python3 tests/data/io/make_golden_v1.py   (writes next to this script)
"""
import json
import os
import struct
import zlib


def values(count, f):
    return [f(i) for i in range(count)]


def main():
    # name, dtype, shape, value of flat (row-major) element i -- mirrored in tests/io.
    tensors = [
        ("layers.0.W", "F32", [3, 2], lambda i: (i - 2.5) / 8),
        ("layers.0.b", "F32", [3], lambda i: 0.5 * i),
        ("layers.1.W", "F64", [1, 3], lambda i: (i + 1) / 3),
        ("layers.1.b", "F64", [1], lambda i: -1e-300),
        ("scale", "F64", [], lambda i: 2.0 ** 0.5),
        ("empty", "F32", [0, 4], lambda i: 0.0),
    ]
    meta = {"mlp.format_version": "1", "mlp.crc32": "00000000"}
    meta["mlp.model"] = json.dumps({"activation": "tanh", "layers": [2, 3, 1]},
                                   separators=(",", ":"))
    meta["note"] = "golden file of format v1"
    header = {"__metadata__": meta}
    data = b""
    for name, dtype, shape, f in tensors:
        count = 1
        for d in shape:
            count *= d
        fmt = "<%d%s" % (count, "f" if dtype == "F32" else "d")
        raw = struct.pack(fmt, *values(count, f))
        header[name] = {"dtype": dtype, "shape": shape,
                        "data_offsets": [len(data), len(data) + len(raw)]}
        data += raw
    text = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    text += b" " * (-len(text) % 8)
    blob = bytearray(struct.pack("<Q", len(text)) + text + data)
    pos = blob.index(b'"mlp.crc32":"') + len(b'"mlp.crc32":"')
    blob[pos:pos + 8] = b"%08x" % zlib.crc32(bytes(blob))
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "golden_v1.mlp")
    with open(out, "wb") as f:
        f.write(blob)


if __name__ == "__main__":
    main()
