#!/usr/bin/env python3
"""A smaller encoder made of some layers of a trained one, as a base for `stance train`.

    scripts/shrink-encoder.py MODEL_DIR OUT_DIR 0,2,4,7,9,11

Copies the embeddings, the relative attention bias (MPNet) and the listed encoder layers of
MODEL_DIR (a base or a trained stance model folder, safetensors) into OUT_DIR, renumbered from 0,
with its config.json (num_hidden_layers set) and tokenizer files. The stance head is left out: a
training run on the result starts a new one. Tensors keep their dtype; nothing beyond the Python
standard library is needed (the safetensors layout is read and written directly).
"""
import json
import shutil
import struct
import sys
from pathlib import Path


def read_safetensors(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    header.pop("__metadata__", None)
    return {k: (v["dtype"], v["shape"], data[v["data_offsets"][0]:v["data_offsets"][1]]) for k, v in header.items()}


def write_safetensors(path, tensors):
    header, blobs, offset = {}, [], 0
    for name in sorted(tensors):
        dtype, shape, raw = tensors[name]
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    tmp = Path(str(path) + ".tmp")
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for b in blobs:
            f.write(b)
    tmp.replace(path)


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    src, out = Path(sys.argv[1]), Path(sys.argv[2])
    keep = [int(x) for x in sys.argv[3].split(",")]
    if out.exists():
        sys.exit(f"{out} exists: choose a new folder")
    tensors = read_safetensors(src / "model.safetensors")
    config = json.loads((src / "config.json").read_text())
    layers = config["num_hidden_layers"]
    if not keep or any(k < 0 or k >= layers for k in keep) or len(set(keep)) != len(keep):
        sys.exit(f"layers must be distinct numbers from 0 to {layers - 1}")
    kept = {}
    for name, t in tensors.items():
        if name.startswith("encoder.layer."):
            n = int(name.split(".")[2])
            if n in keep:
                rest = name.split(".", 3)[3]
                kept[f"encoder.layer.{keep.index(n)}.{rest}"] = t
        elif not name.startswith("stance_head.") and not name.startswith("pooler."):
            kept[name] = t
    out.mkdir(parents=True)
    write_safetensors(out / "model.safetensors", kept)
    config["num_hidden_layers"] = len(keep)
    config["_shrunk_from"] = {"model": str(src.name), "layers": keep}
    (out / "config.json").write_text(json.dumps(config, indent=2) + "\n")
    for f in ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "vocab.txt"):
        if (src / f).exists():
            shutil.copy(src / f, out / f)
    print(f"{len(keep)} of {layers} layers ({','.join(map(str, keep))}) of {src} written to {out}")


if __name__ == "__main__":
    main()
