#!/usr/bin/env python3
"""How far two people agree when they label the same articles for references and holders.

    scripts/label-agreement.py FIRST SECOND

FIRST and SECOND are folders (or single files) of articles labelled as `datasets/references/README.md`
describes (`[surface](ACTOR; demonym; venue; anaphor; holder=NAME)`); files are paired by name and
must hold the same text once the labels are removed. The second labelling is scored against the
first on the scale `stance mentions --gold` uses for the rules, so the two can be read side by side:

- references: a reference of the second labelling is right when one of the first to the same actor
  overlaps it; in the default scope (no demonyms, no `+` names, no venues) and with all of them;
- holders: per (sentence, actor) of the references in scope, the holder given on its first labelled
  reference; right when both name the same holder;
- venues: the first labelling's venues, and how the second labelled the same places.

Precision is the share of the second labelling the first agrees with, recall the share of the first
the second found; swap the arguments and they swap. Sentences are cut with a plain rule (a `.`, `!`
or `?` and white space before a capital or a quote, and every line break), the same for both
labellings, so the pairs are comparable even where `stance` cuts a sentence elsewhere.
Standard library only.
"""
import json
import re
import sys
from pathlib import Path


def parse(path):
    """(text, refs) of a labelled file; a `[` that opens no label is text, as in `stance`."""
    content = path.read_text(encoding="utf-8")
    text, refs, pos, i = [], [], 0, 0
    while True:
        j = content.find("[", i)
        if j < 0:
            text.append(content[i:])
            break
        text.append(content[i:j])
        pos += len(content[i:j])
        after = content[j + 1:]
        c = after.find("]")
        literal = c < 0 or not after[c + 1:].startswith("(") or "[" in after[:c]
        if literal:
            text.append("[")
            pos += 1
            i = j + 1
            continue
        surface = after[:c]
        end = after.find(")", c + 2)
        if end < 0:
            sys.exit(f"{path}: label of {surface!r} has no `)`")
        parts = [p.strip() for p in after[c + 2:end].split(";")]
        actor = parts[0]
        ref = {
            "start": pos,
            "end": pos + len(surface),
            "actor": actor.lstrip("+").strip(),
            "plus": actor.startswith("+"),
            "demonym": "demonym" in parts,
            "venue": "venue" in parts,
            "anaphor": "anaphor" in parts,
            "holder": None,
        }
        for p in parts[1:]:
            if p.startswith("holder="):
                ref["holder"] = p[len("holder="):].strip().lstrip("+").strip()
        refs.append(ref)
        text.append(surface)
        pos += len(surface)
        i = j + 1 + end + 1
    return "".join(text), refs


SENTENCE_END = re.compile(r"[.!?][\"'”’)\]]*\s+(?=[A-Z\"“‘'(])|\n+")


def sentence_starts(text):
    return [0] + [m.end() for m in SENTENCE_END.finditer(text)]


def sentence_of(starts, pos):
    lo, hi = 0, len(starts)
    while lo + 1 < hi:
        mid = (lo + hi) // 2
        if starts[mid] <= pos:
            lo = mid
        else:
            hi = mid
    return lo


def in_scope(r, everything):
    return not r["venue"] and (everything or (not r["demonym"] and not r["plus"]))


def references(first, second, everything):
    a = [r for r in first if in_scope(r, everything)]
    b = [r for r in second if in_scope(r, everything)]
    overlap = lambda x, y: x["start"] < y["end"] and y["start"] < x["end"]
    right = sum(any(overlap(x, y) and x["actor"] == y["actor"] for y in a) for x in b)
    found = sum(any(overlap(x, y) and x["actor"] == y["actor"] for y in b) for x in a)
    return right, len(b), found, len(a)


def holders(starts, refs):
    pairs = {}
    for r in refs:
        if in_scope(r, False):
            pairs.setdefault((sentence_of(starts, r["start"]), r["actor"]), r["holder"])
    return {k: h for k, h in pairs.items() if h}


def venues(first, second):
    labelled = [r for r in first if r["venue"]]
    overlap = lambda x, y: x["start"] < y["end"] and y["start"] < x["end"]
    as_venue = sum(any(overlap(x, y) and y["venue"] for y in second) for x in labelled)
    as_actor = sum(any(overlap(x, y) and not y["venue"] for y in second) for x in labelled)
    second_only = sum(
        1 for y in second if y["venue"] and not any(overlap(x, y) and x["venue"] for x in first)
    )
    return len(labelled), as_venue, as_actor, second_only


def files(arg):
    p = Path(arg)
    return {f.name: f for f in sorted(p.glob("*.txt"))} if p.is_dir() else {p.name: p}


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__.split("\n\n")[1])
    first, second = files(sys.argv[1]), files(sys.argv[2])
    names = sorted(set(first) & set(second))
    if not names:
        sys.exit("no file of the same name in both")
    tot = {"refs": [0] * 4, "all": [0] * 4, "holders": [0, 0, 0], "venues": [0] * 4}
    for name in names:
        text_a, a = parse(first[name])
        text_b, b = parse(second[name])
        if text_a != text_b:
            sys.exit(f"{name}: the two files differ once the labels are removed")
        for key, everything in (("refs", False), ("all", True)):
            for k, v in enumerate(references(a, b, everything)):
                tot[key][k] += v
        starts = sentence_starts(text_a)
        ha, hb = holders(starts, a), holders(starts, b)
        tot["holders"][0] += sum(1 for k, h in hb.items() if ha.get(k) == h)
        tot["holders"][1] += len(hb)
        tot["holders"][2] += len(ha)
        for k, v in enumerate(venues(a, b)):
            tot["venues"][k] += v
    pct = lambda x, y: round(100 * x / y, 1) if y else 0.0
    r, a_, h, v = tot["refs"], tot["all"], tot["holders"], tot["venues"]
    report = {
        "documents": len(names),
        "references": {"precision": pct(r[0], r[1]), "recall": pct(r[2], r[3]), "counts": r},
        "references_with_demonyms_and_plus_names": {
            "precision": pct(a_[0], a_[1]),
            "recall": pct(a_[2], a_[3]),
            "counts": a_,
        },
        "holders": {"precision": pct(h[0], h[1]), "recall": pct(h[0], h[2]), "counts": h},
        "venues": {
            "labelled_first": v[0],
            "venue_in_second": v[1],
            "actor_in_second": v[2],
            "venue_in_second_only": v[3],
        },
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
