"""Tests of the Python package against the library's own figures (the CLI on the same files).

They use the shipped models of this checkout (`fast` for most, the default for the headline
check). Tests that need NewsMTSC (`../shared/datasets/newsmtsc` or `$NEWSMTSC_DIR`) or the CLI
binary (`$STANCE_BIN`, else `target/{release,debug}/stance`) skip with the reason when those are
missing; CI provides the binary."""

from __future__ import annotations

import json
import os
import pathlib
import signal
import subprocess
import threading
import time

import numpy as np
import pytest

import stance

ROOT = pathlib.Path(__file__).resolve().parents[2]
ARTICLE = (ROOT / "datasets" / "examples" / "diplomacy-brief.txt").read_text(encoding="utf-8")

LABELLED = [
    ("Germany praised France for its leadership in the talks.", "France", 6.0),
    ("The minister condemned Russia's attack on the port.", "Russia", 2.0),
    ("Japan will host the summit next year.", "Japan", 4.0),
    ("Critics accused China of dumping cheap steel.", "China", 2.0),
    ("Kenya thanked Canada for the generous aid package.", "Canada", 6.0),
    ("Brazil signed the agreement on Tuesday.", "Brazil", 4.0),
    ("The senator blasted Iran for its reckless behaviour.", "Iran", 2.0),
    ("India welcomed Australia's support for the bid.", "Australia", 6.0),
]


def newsmtsc(name: str):
    d = pathlib.Path(os.environ.get("NEWSMTSC_DIR", ROOT.parent / "shared" / "datasets" / "newsmtsc"))
    p = d / name
    if not p.is_file():
        pytest.skip(f"NewsMTSC {name} not found (set NEWSMTSC_DIR)")
    return p


def cli() -> pathlib.Path:
    env = os.environ.get("STANCE_BIN")
    candidates = [pathlib.Path(env)] if env else [ROOT / "target" / "release" / "stance", ROOT / "target" / "debug" / "stance"]
    for c in candidates:
        if c.is_file():
            return c
    pytest.skip("no stance binary (build it with cargo build, or set STANCE_BIN)")


def write_labelled(path: pathlib.Path, rows=LABELLED) -> pathlib.Path:
    with open(path, "w", encoding="utf-8") as f:
        for i, (text, target, polarity) in enumerate(rows):
            start = text.index(target)
            rec = {
                "primary_gid": f"t{i}",
                "sentence_normalized": text,
                "targets": [{"from": start, "to": start + len(target), "mention": target, "polarity": polarity}],
            }
            f.write(json.dumps(rec) + "\n")
    return path


@pytest.fixture(scope="module")
def fast():
    return stance.Model.load("fast")


def test_load_default_names_and_labels():
    m = stance.Model.load()
    assert m.labels == ["supportive", "neutral", "critical"]
    assert m.fingerprint.startswith("mpnet-newsmtsc-v7@")
    assert m.arithmetic in ("int8", "f32")


def test_load_errors_are_typed():
    with pytest.raises(stance.StanceError):
        stance.Model.load("no-such-model-name")
    with pytest.raises(ValueError):
        stance.Model.load("fast", precision="int4")


def test_predict_labels_and_scores(fast):
    out = fast.predict(
        ["Germany praised France for its leadership.", "The minister condemned Russia's attack."],
        ["France", "Russia"],
    )
    assert [o["label"] for o in out] == ["supportive", "critical"]
    for o in out:
        assert set(o["scores"]) == set(fast.labels)
        assert abs(sum(o["scores"].values()) - 1.0) < 1e-4
        assert o["label"] == max(o["scores"], key=o["scores"].get)


def test_predict_proba_matches_predict_and_spans(fast):
    texts = ["Paris and Berlin agreed, but Berlin later criticised Paris.", "Kenya thanked Canada."]
    p = fast.predict_proba(texts, ["Paris", "Canada"], spans=[(53, 58), None])
    assert isinstance(p, np.ndarray) and p.shape == (2, 3) and p.dtype == np.float32
    out = fast.predict(texts, ["Paris", "Canada"], spans=[(53, 58), None])
    for row, o in zip(p, out):
        assert [o["scores"][label] for label in fast.labels] == pytest.approx(row.tolist(), abs=0)
    # The second occurrence of Paris is another pair than the first.
    first = fast.predict_proba(texts[:1], ["Paris"])
    assert not np.array_equal(first[0], p[0])


def test_predict_errors(fast):
    with pytest.raises(stance.InputError, match="does not occur"):
        fast.predict(["Nothing here."], ["France"])
    with pytest.raises(ValueError, match="2 texts but 1 targets"):
        fast.predict(["a", "b"], ["a"])
    with pytest.raises(ValueError, match="outside"):
        fast.predict(["short"], ["x"], spans=[(3, 99)])
    with pytest.raises(TypeError):
        fast.predict("Germany praised France.", "France")
    with pytest.raises(TypeError, match=r"texts\[1\]"):
        fast.predict(["Germany praised France.", None], ["France", "France"])
    with pytest.raises(stance.InputError, match="not the target"):
        fast.predict(["Germany praised France."], ["France"], spans=[(0, 7)])
    with pytest.raises(stance.InputError, match="non-negative"):
        fast.predict(["Germany praised France."], ["France"], spans=[(-1, 7)])
    with pytest.raises(stance.InputError, match="pair"):
        fast.predict(["Germany praised France."], ["France"], spans=[(16, 22, 0)])


def test_evaluate_equals_the_cli(fast, tmp_path):
    data = write_labelled(tmp_path / "small.jsonl")
    got = fast.evaluate(data)
    report = tmp_path / "cli.json"
    subprocess.run(
        [str(cli()), "--quiet", "eval", "--model", "fast", "--data", str(data), "--report", str(report)],
        check=True,
        cwd=ROOT,
        capture_output=True,
    )
    want = json.loads(report.read_text())
    assert got["f1m"] == want["metrics"]["f1m"]
    assert got["accuracy"] == want["metrics"]["accuracy"]
    assert got["confusion"] == want["metrics"]["confusion"]
    assert got["ece"] == want["calibration"]["ece"]
    assert got["nll"] == want["calibration"]["nll"]
    for key in ("f1pn", "per_label", "metrics", "calibration"):
        assert key in got


def test_evaluate_records_equals_file(fast, tmp_path):
    data = write_labelled(tmp_path / "small.jsonl")
    records = [json.loads(line) for line in data.read_text().splitlines()]
    assert fast.evaluate(records)["f1m"] == fast.evaluate(str(data))["f1m"]


def test_evaluate_errors_name_file_line_field(fast, tmp_path):
    bad = tmp_path / "bad.jsonl"
    good = write_labelled(tmp_path / "good.jsonl").read_text().splitlines()
    bad.write_text(good[0] + "\n{not json\n" + good[1] + "\n")
    with pytest.raises(stance.InputError) as e:
        fast.evaluate(bad)
    assert e.value.path == str(bad) and e.value.line == 2
    assert "bad.jsonl:2" in str(e.value)
    skipped = fast.evaluate(bad, skip_bad=True)
    assert len(skipped["skipped"]) == 1 and skipped["metrics"]["count"] == 2
    with pytest.raises(FileNotFoundError) as missing:
        fast.evaluate(tmp_path / "missing.jsonl")
    assert missing.value.errno == 2 and missing.value.filename == str(tmp_path / "missing.jsonl")
    # Records name the record, not a temporary file.
    records = [json.loads(good[0]), {"sentence_normalized": "x", "targets": [{"from": 0, "to": 1, "polarity": 9.0}]}]
    with pytest.raises(stance.InputError, match="record 2") as e:
        fast.evaluate(path_or_records=records)
    assert e.value.path is None and e.value.line == 2


def test_evaluate_test_rw_equals_the_cli_default_model(tmp_path):
    data = newsmtsc("test-rw.jsonl")
    m = stance.Model.load()
    got = m.evaluate(data)["f1m"]
    report = tmp_path / "cli.json"
    subprocess.run([str(cli()), "--quiet", "eval", "--data", str(data), "--report", str(report)], check=True, cwd=ROOT, capture_output=True)
    assert got == json.loads(report.read_text())["metrics"]["f1m"]


def test_score_streams_records_in_the_cli_schema(fast, tmp_path):
    docs = [{"id": "brief", "text": ARTICLE, "outlet": "example"}, "Germany praised France for its leadership."]
    records = list(fast.score(iter(docs)))
    assert {r["doc"] for r in records} == {"brief", "1"}
    first = records[0]
    for key in ("doc", "sentence", "start", "end", "text", "actors", "model", "version"):
        assert key in first
    assert first["fields"] == {"outlet": "example"}
    a = first["actors"][0]
    assert a["stance"] in fast.labels and set(a["scores"]) == set(fast.labels)
    # The same lines as the CLI on the same article.
    art = tmp_path / "brief.jsonl"
    art.write_text(json.dumps({"id": "brief", "text": ARTICLE, "outlet": "example"}) + "\n")
    out = tmp_path / "out.jsonl"
    subprocess.run([str(cli()), "--quiet", "score", "--model", "fast", str(art), "--output", str(out)], check=True, cwd=ROOT, capture_output=True)
    want = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r for r in records if r["doc"] == "brief"] == want


def test_score_is_lazy(fast):
    pulled = []

    def docs():
        for i in range(10_000):
            pulled.append(i)
            yield f"Germany praised France, report {i}."

    it = fast.score(docs())
    next(it)
    assert len(pulled) <= stance.SCORE_CHUNK + 1


def test_score_actors_and_bad_documents(fast):
    recs = list(fast.score(["Acme Corp criticised the plan."], actors=["Acme Corp;kind=organisation"]))
    assert recs and recs[0]["actors"][0]["actor"] == "Acme Corp"
    with pytest.raises(stance.InputError, match="no 'text'"):
        list(fast.score([{"id": "x"}]))
    with pytest.raises(stance.InputError):
        fast.score(["x"], discover="sometimes")  # checked at the call, not at the first record
    with pytest.raises(TypeError):
        fast.score("Germany praised France.")
    # pandas' missing values as fields: null, not an error.
    recs = list(fast.score([{"id": "n", "text": "Germany praised France.", "outlet": float("nan"), "n": 3}]))
    assert recs[0]["fields"] == {"outlet": None, "n": 3}


def test_mentions_without_a_model():
    lines = stance.mentions("Chinese officials met Joe Biden in Paris. Biden said France was wrong.", demonyms=True)
    actors = [m["actor"] for line in lines for m in line["mentions"]]
    assert "China" in actors and "France" in actors
    assert all({"actor", "kind", "text", "start", "end", "via"} <= set(m) for line in lines for m in line["mentions"])
    assert stance.mentions("Acme Corp rose.", actors=["Acme Corp"], default_actors=False)[0]["mentions"][0]["actor"] == "Acme Corp"


def test_records_to_pandas(fast):
    pd = pytest.importorskip("pandas")
    recs = list(fast.score([{"id": "a", "text": "Germany praised France.", "outlet": "x"}]))
    df = stance.records_to_pandas(recs)
    assert isinstance(df, pd.DataFrame)
    assert {"doc", "actor", "stance", "p_supportive", "field_outlet"} <= set(df.columns)
    assert len(df) == sum(len(r["actors"]) for r in recs)
    assert len(stance.to_pandas(recs, per="sentence")) == len(recs)


def test_gil_is_released_while_the_model_computes():
    # A Python thread counts while the main thread's predict call computes. Holding the GIL, the
    # call would stop the counter (a C or Rust call never yields the GIL by itself) except at its
    # edges; released, the counter runs on, however loaded the machine is. The same count during
    # a call known to hold the GIL (`sum` over a range, in C) is the control that shows the test
    # can fail. No timing ratio decides.
    import sys

    m = stance.Model.load("fast", threads=1)
    texts = [f"Germany praised France for its leadership in round {i} of the talks." for i in range(400)]
    targets = ["France"] * len(texts)
    m.predict(texts[:20], targets[:20])  # warm up
    counting, stop, count = threading.Event(), threading.Event(), [0]

    def counter():
        counting.set()
        while not stop.is_set():
            count[0] += 1

    def counted(call) -> int:
        before = count[0]
        call()
        return count[0] - before

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-4)  # short edges: the GIL changes hands within 0.1 ms of a request
    t = threading.Thread(target=counter)
    t.start()
    try:
        counting.wait()
        held = counted(lambda: sum(range(3 * 10**7)))
        released = counted(lambda: m.predict(texts, targets))
    finally:
        stop.set()
        t.join()
        sys.setswitchinterval(interval)
    assert held < 100_000, f"control: the counter moved {held} times while the GIL was held"
    assert released > 100_000, f"the counter moved {released} times during predict (held: {held})"


def test_train_progress_resume_and_errors(tmp_path):
    base = ROOT / "models" / "base" / "all-MiniLM-L6-v2"
    if not (base / "config.json").is_file():
        pytest.skip("MiniLM base not installed (scripts/setup-base-model.sh)")
    data = write_labelled(tmp_path / "train.jsonl")
    events = []
    out = stance.train(
        base=base, train=data, dev=[data], out=tmp_path / "model", epochs=1, batch_size=4, progress=events.append, seed=7
    )
    assert (pathlib.Path(out) / "stance.json").is_file()
    kinds = [e["event"] for e in events]
    assert "start" in kinds and "step" in kinds and kinds.index("start") < kinds.index("step")
    m = stance.Model.load(out)
    assert m.labels == ["supportive", "neutral", "critical"]
    with pytest.raises(stance.InputError, match="unknown training option"):
        stance.train(base=base, train=data, out=tmp_path / "m2", epochz=1)
    with pytest.raises(stance.InputError, match="needs a teacher"):
        stance.train(base=base, train=data, out=tmp_path / "m2", temperature=3.0)
    with pytest.raises(stance.InputError, match="True or False"):
        stance.train(base=base, train=data, out=tmp_path / "m2", overwrite="yes")
    with pytest.raises(stance.InputError, match="exclude each other"):
        stance.train(base=base, train=data, out=tmp_path / "m2", overwrite=True, resume=True)
    with pytest.raises(FileNotFoundError):
        stance.train(base=base, train=tmp_path / "none.jsonl", out=tmp_path / "m3")


def test_train_ctrl_c_raises_keyboard_interrupt_and_resumes(tmp_path):
    base = ROOT / "models" / "base" / "all-MiniLM-L6-v2"
    if not (base / "config.json").is_file():
        pytest.skip("MiniLM base not installed (scripts/setup-base-model.sh)")
    data = write_labelled(tmp_path / "train.jsonl", LABELLED * 8)
    out = tmp_path / "model"
    steps = []

    def on_event(e):
        if e["event"] == "step":
            steps.append(e["step"])
            if len(steps) == 2:
                os.kill(os.getpid(), signal.SIGINT)

    # Ctrl-C as an interactive Python has it: a process started in the background by a shell
    # without job control (as a CI script may be) inherits SIGINT ignored, and Python then never
    # sees the signal.
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        with pytest.raises(KeyboardInterrupt):
            stance.train(base=base, train=data, out=out, epochs=2, batch_size=4, checkpoint_every=1, progress=on_event)
    finally:
        signal.signal(signal.SIGINT, previous)
    assert (out / "checkpoint" / "state.json").is_file()
    resumed = []
    stance.train(
        base=base, train=data, out=out, epochs=2, batch_size=4, checkpoint_every=1, resume=True,
        progress=lambda e: resumed.append(e),
    )
    start = next(e for e in resumed if e["event"] == "start")
    assert start["done"] >= 2
    assert (out / "stance.json").is_file()
