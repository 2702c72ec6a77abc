#!/usr/bin/python3
"""Independent reader of mlp model files (docs/model-format.md), the oracle of tests/io.

Reads FILE with nothing but the standard library and numpy: the 8-byte little-endian header
length, the JSON header (json.loads, rejecting duplicate keys), the CRC32 rule (zlib.crc32 over
the whole file with the 8 checksum digits read as "00000000") and every tensor through
numpy.frombuffer in row-major order. Prints one JSON object:

  {"crc_ok": true, "format_version": "1", "metadata": {...user keys...},
   "tensors": [{"name": ..., "dtype": "F32", "shape": [...], "values": ["0x1.8p-1", ...]}, ...]}

with tensors in data order and every value as float.hex() (exact for F32 and F64).
Usage: /usr/bin/python3 tests/reference/read_safetensors.py FILE
"""
import json
import struct
import sys
import zlib

import numpy as np

DTYPES = {"F32": np.dtype("<f4"), "F64": np.dtype("<f8")}
CRC_PREFIX = b'"mlp.crc32":"'


def no_duplicates(pairs):
    keys = [k for k, _ in pairs]
    if len(keys) != len(set(keys)):
        raise ValueError("duplicate key in header")
    return dict(pairs)


def main(path):
    with open(path, "rb") as f:
        blob = f.read()
    (n,) = struct.unpack("<Q", blob[:8])
    header_bytes = blob[8:8 + n]
    header = json.loads(header_bytes.decode("utf-8"), object_pairs_hook=no_duplicates)
    data = blob[8 + n:]

    meta = header.pop("__metadata__")
    pos = header_bytes.index(CRC_PREFIX) + len(CRC_PREFIX) + 8
    stored = meta["mlp.crc32"]
    computed = zlib.crc32(blob[:pos] + b"00000000" + blob[pos + 8:])
    crc_ok = stored == "%08x" % computed

    entries = sorted(header.items(), key=lambda kv: tuple(kv[1]["data_offsets"]))
    expected_begin = 0
    tensors = []
    for name, info in entries:
        begin, end = info["data_offsets"]
        assert begin == expected_begin, "gap or overlap at " + name
        expected_begin = end
        dtype = DTYPES[info["dtype"]]
        shape = info["shape"]
        count = int(np.prod(shape, dtype=np.int64)) if shape else 1
        assert count * dtype.itemsize == end - begin, "size mismatch for " + name
        array = np.frombuffer(data, dtype=dtype, count=count, offset=begin).reshape(shape)
        tensors.append({
            "name": name,
            "dtype": info["dtype"],
            "shape": shape,
            "values": [float(x).hex() for x in array.reshape(-1)],
        })
    assert expected_begin == len(data), "trailing or missing data bytes"

    user = {k: v for k, v in meta.items() if k not in ("mlp.format_version", "mlp.crc32")}
    json.dump({"crc_ok": crc_ok, "format_version": meta["mlp.format_version"],
               "metadata": user, "tensors": tensors}, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main(sys.argv[1])
