#!/usr/bin/env python3
"""Unlabelled (sentence, target) pairs for distillation, made by swapping the target of NewsMTSC
training sentences for another actor: the sentence keeps its wording, the named target changes, and
the teacher model (not the gold label) says what the stance toward the new actor is.

For every target whose mention is a name (capitalised, not a pronoun or "the president"), SWAPS
pairs are written (default 2): the first swaps in another name of the same shape seen as a target
in the same file ("Trump" -> "Sanders", "Mr. Obama" -> "Mr. Cruz", "Hillary Clinton" -> "Mitch
McConnell"); the others swap in an actor of the default gazetteer (a head of state, minister,
country or organisation: "Trump" -> "Erdogan", "Trump" -> "NATO"), so that the student also sees
the international actors `stance score` finds. Every whole-word occurrence of the mention in the
sentence is replaced, and for a multi-word name also its last word ("Donald Trump ... Trump's"), so
the sentence stays about one actor. Choices are fixed by a hash of the sentence, target and swap
number: the same input gives the same file.

Only the file given is read (give it the training part, e.g. train-fit.jsonl of
scripts/split-calibration.py): no dev, test or calibration sentence enters the output.

    scripts/swap-targets.py TRAIN.jsonl GAZETTEER.toml OUT.jsonl [SWAPS]

writes simple-layout pairs ({"id", "text", "target", "start", "end"}, character offsets) and
prints the counts.
"""
import hashlib
import json
import re
import sys

try:
    import tomllib
except ModuleNotFoundError:  # Python < 3.11
    import tomli as tomllib

NOT_NAMES = {
    "he", "she", "his", "her", "him", "it", "its", "they", "them", "their", "we", "us", "our",
    "i", "me", "my", "you", "your", "who", "whom", "this", "that", "these", "those",
}
TITLES = ("Mr.", "Mrs.", "Ms.", "Dr.", "Sen.", "Rep.", "Gov.", "President", "Secretary",
          "Senator", "Speaker", "Judge", "Justice", "General", "Gen.")


def is_name(mention: str) -> bool:
    words = mention.split()
    if not words or mention.lower() in NOT_NAMES or mention.lower().startswith("the "):
        return False
    return all(w[:1].isupper() for w in words if w not in ("of", "de", "al", "bin", "van", "von"))


def shape(mention: str) -> str:
    words = mention.split()
    if words[0] in TITLES and len(words) == 2:
        return "title:" + words[0]
    if words[0] in TITLES:
        return "title-long"
    return "one" if len(words) == 1 else "full"


def pick(pool, key: str, avoid: str):
    if not pool:
        return None
    h = int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big")
    for i in range(len(pool)):
        cand = pool[(h + i) % len(pool)]
        if cand != avoid and avoid not in cand and cand not in avoid:
            return cand
    return None


def whole_word(text: str, word: str):
    return re.compile(r"(?<![\w])" + re.escape(word) + r"(?![\w])")


def swap(text: str, start: int, end: int, new: str):
    """Replaces the target span and every other whole-word occurrence of the mention (and, for a
    multi-word mention, of its last word) with `new`; returns the text and the new span."""
    old = text[start:end]
    olds = [old]
    if len(old.split()) > 1 and len(new.split()) > 0:
        olds.append(old.split()[-1])
    marker = "\x00"
    # The target first, through a marker, so its new offsets can be found after the other swaps.
    text = text[:start] + marker + text[end:]
    for i, o in enumerate(olds):
        repl = new if i == 0 else new.split()[-1]
        text = whole_word(text, o).sub(repl, text)
    at = text.index(marker)
    text = text.replace(marker, new)
    return text, at, at + len(new)


def main():
    if len(sys.argv) not in (4, 5):
        sys.exit(__doc__)
    train, gazetteer, out = sys.argv[1:4]
    swaps = int(sys.argv[4]) if len(sys.argv) == 5 else 2
    records = [json.loads(l) for l in open(train, encoding="utf-8") if l.strip()]
    by_shape = {}
    for r in records:
        for t in r["targets"]:
            m = t["mention"]
            if is_name(m):
                by_shape.setdefault(shape(m), set()).add(m)
    by_shape = {k: sorted(v) for k, v in by_shape.items()}
    with open(gazetteer, "rb") as f:
        actors = tomllib.load(f)["actor"]
    persons_full = sorted(a["name"] for a in actors if a["kind"] == "person")
    # The family name a person is referred to by: the gazetteer's `surnames` where the last word of
    # the name is not one ("Kim Jong Un" -> "Kim").
    persons_one = sorted({(a.get("surnames") or [a["name"].split()[-1]])[0]
                          for a in actors if a["kind"] == "person"})
    others = sorted(a["name"] for a in actors if a["kind"] in ("country", "organisation"))
    written = names = skipped = 0
    with open(out, "w", encoding="utf-8") as f:
        for r in records:
            text = r["sentence_normalized"]
            for t in r["targets"]:
                m, s, e = t["mention"], t["from"], t["to"]
                if text[s:e] != m or not is_name(m):
                    skipped += 1
                    continue
                names += 1
                sh = shape(m)
                for k in range(swaps):
                    key = f"{text}\x01{s}\x01{k}"
                    if k == 0:
                        new = pick(by_shape.get(sh, []), key, m)
                    elif sh == "one":
                        # Alternate a person's family name with a country or organisation.
                        new = pick(persons_one if k % 2 else others, key, m)
                    elif sh == "full":
                        new = pick(persons_full, key, m)
                    else:
                        title = m.split()[0]
                        last = pick(persons_one, key, m.split()[-1])
                        new = f"{title} {last}" if last else None
                    if not new:
                        continue
                    swapped, ns, ne = swap(text, s, e, new)
                    f.write(json.dumps({
                        "id": f"{t.get('Input.gid', r['primary_gid'])}~swap{k}",
                        "text": swapped, "target": new, "start": ns, "end": ne,
                    }, ensure_ascii=False) + "\n")
                    written += 1
    print(f"{written} swapped pairs from {names} named targets written to {out} "
          f"({skipped} targets that are not names left out)")


if __name__ == "__main__":
    main()
