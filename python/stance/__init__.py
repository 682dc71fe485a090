"""Per-sentence, per-actor stance (supportive / neutral / critical) in news text.

The same library as the ``stance`` command line, in Python: models load once and compute
without the GIL (calls from several threads run at the same time), archives stream.

>>> import stance
>>> m = stance.Model.load()                      # the shipped default model
>>> m.predict(["Germany welcomed the deal."], ["Germany"])
[{'label': 'supportive', 'scores': {...}}]
"""

from __future__ import annotations

import json
import os
import tempfile
from typing import Any, Callable, Dict, Iterable, Iterator, List, Mapping, Optional, Sequence, Tuple, Union

from . import _stance
from .errors import InputError, ModelError, StanceError, StanceFileNotFoundError, StanceIOError

__version__: str = _stance.version()

PathLike = Union[str, "os.PathLike[str]"]
Document = Union[str, Mapping[str, Any]]

#: Documents sent to the model at a time by :meth:`Model.score` (enough to fill the batches,
#: few enough that an archive never has to fit in memory).
SCORE_CHUNK = 64


class Model:
    """A loaded stance model. Use :meth:`Model.load`."""

    def __init__(self, native: "_stance.NativeModel") -> None:
        self._native = native

    @classmethod
    def load(
        cls,
        name_or_path: Optional[PathLike] = None,
        *,
        precision: Optional[str] = None,
        threads: Optional[int] = None,
    ) -> "Model":
        """Loads a model.

        ``name_or_path``: ``None`` for the shipped default model (or ``$STANCE_MODEL``), a shipped
        model's short name (``"fast"``, ``"mpnet-newsmtsc-v7"``, …), a model folder, or a
        Hugging Face hub id, as the CLI's ``--model``. ``precision``: ``"int8"`` (the default,
        where the CPU has an int8 kernel) or ``"f32"``. ``threads``: batches computed at the same time by one call (default: one per
        core); ``threads=1`` computes on the calling thread, so that several Python threads
        sharing the model each use a core.
        """
        path = None if name_or_path is None else os.fsdecode(name_or_path)
        return cls(_stance.NativeModel.load(path, precision, threads))

    @property
    def labels(self) -> List[str]:
        """The model's labels, in the order of :meth:`predict_proba`'s columns."""
        return self._native.labels

    @property
    def fingerprint(self) -> str:
        """``NAME@HASH``: the model as score lines name it."""
        return self._native.fingerprint

    @property
    def arithmetic(self) -> str:
        """What the linear layers compute in: ``int8`` or ``f32`` on CPU."""
        return self._native.arithmetic

    def __repr__(self) -> str:
        return f"Model({self._native.source!r}, arithmetic={self.arithmetic!r})"

    def predict_proba(
        self,
        texts: Sequence[str],
        targets: Sequence[str],
        spans: Optional[Sequence[Optional[Tuple[int, int]]]] = None,
    ):
        """Probabilities of each label (columns in :attr:`labels` order) for each (text, target)
        pair, as a NumPy array of shape ``(n, len(labels))``. ``spans``: the target's character
        offsets ``(start, end)`` in its text, per pair (``None``: its first whole-word
        occurrence)."""
        import numpy as np

        rows, _ = self._predict(texts, targets, spans)
        return np.asarray(rows, dtype=np.float32).reshape(len(rows), len(self.labels))

    def predict(
        self,
        texts: Sequence[str],
        targets: Sequence[str],
        spans: Optional[Sequence[Optional[Tuple[int, int]]]] = None,
    ) -> List[Dict[str, Any]]:
        """The stance of each text toward its target: ``{"label": str, "scores": {label: p}}``
        per pair (``"truncated": True`` added where the text was cut to the model's length)."""
        rows, truncated = self._predict(texts, targets, spans)
        labels = self.labels
        out = []
        for row, cut in zip(rows, truncated):
            best = max(range(len(row)), key=row.__getitem__)
            d: Dict[str, Any] = {"label": labels[best], "scores": dict(zip(labels, row))}
            if cut:
                d["truncated"] = True
            out.append(d)
        return out

    def _predict(self, texts, targets, spans):
        if isinstance(texts, str) or isinstance(targets, str):
            raise TypeError("texts and targets are sequences of strings (wrap a single pair in lists)")
        texts, targets = list(texts), list(targets)
        for what, values in (("texts", texts), ("targets", targets)):
            bad = next((i for i, v in enumerate(values) if not isinstance(v, str)), None)
            if bad is not None:
                raise TypeError(f"{what}[{bad}] is {type(values[bad]).__name__}, not str")
        spans_list = None if spans is None else [_span(i, s) for i, s in enumerate(spans)]
        return self._native.predict(texts, targets, spans_list)

    def score(
        self,
        documents: Iterable[Document],
        *,
        actors: Optional[Iterable[str]] = None,
        gazetteers: Sequence[PathLike] = (),
        default_actors: bool = True,
        demonyms: bool = False,
        discover: Union[bool, str] = False,
    ) -> Iterator[Dict[str, Any]]:
        """Scores documents as ``stance score`` does, yielding one record per sentence that
        mentions an actor, in the ``score`` JSONL schema (``doc``, ``sentence``, ``start``,
        ``end``, ``text``, ``actors`` with ``stance``, ``scores``, ``mentions`` and ``holder``, ``model``,
        ``version``, ``fields``).

        ``documents``: strings, or dicts with ``text`` and optionally ``id`` (default: the
        document's index) and any other fields (carried to ``fields``). Read lazily, a chunk at a
        time, so a generator over an archive never has to fit in memory. ``actors``: extra actors
        as the CLI's ``--actor`` (``"NAME"``, ``"NAME=ALIAS1,ALIAS2;kind=person"``);
        ``gazetteers``: TOML/JSON gazetteer files (``--actors``); ``default_actors``: start from
        the shipped international gazetteer; ``demonyms``: take ``Chinese officials`` as China;
        ``discover``: ``True`` (or ``"score"``) also scores names the gazetteer does not have.
        Settings are checked when ``score`` is called; documents are read as the records are
        consumed.
        """
        if isinstance(documents, (str, bytes)):
            raise TypeError("documents is an iterable of documents (wrap a single text in a list)")
        table = _actors(actors, gazetteers, default_actors, demonyms, discover)
        return self._score(iter(documents), table)

    def _score(self, documents: Iterator[Document], table: "_stance.NativeActors") -> Iterator[Dict[str, Any]]:
        chunk: List[Tuple[str, str, str]] = []
        for i, doc in enumerate(documents):
            chunk.append(_document(i, doc))
            if len(chunk) == SCORE_CHUNK:
                yield from _records(self._native.score_chunk(chunk, table))
                chunk = []
        if chunk:
            yield from _records(self._native.score_chunk(chunk, table))

    def evaluate(
        self, path_or_records: Union[PathLike, bytes, Iterable[Mapping[str, Any]]], *, skip_bad: bool = False
    ) -> Dict[str, Any]:
        """Scores labelled pairs and returns what ``stance eval --report`` writes, with the headline
        figures also at the top level: ``f1m``, ``accuracy``, ``f1pn``, ``per_label``,
        ``confusion``, ``ece``, ``nll``.

        ``path_or_records``: a labelled JSONL file (NewsMTSC's format: ``sentence``/``text``, ``target`` or
        ``targets``, ``polarity``/``label``), or an iterable of such records (dicts).
        ``skip_bad``: count and skip malformed records instead of failing on the first.
        """
        data = path_or_records
        if isinstance(data, (str, bytes)) or hasattr(data, "__fspath__"):
            return _flatten_report(json.loads(self._native.evaluate(os.fsdecode(data), skip_bad)))
        with tempfile.TemporaryDirectory(prefix="stance-eval-") as tmp:
            path = os.path.join(tmp, "records.jsonl")
            with open(path, "w", encoding="utf-8") as f:
                for record in data:
                    f.write(json.dumps(dict(record), ensure_ascii=False))
                    f.write("\n")
            try:
                report = json.loads(self._native.evaluate(path, skip_bad))
            except StanceError as e:
                # Name the record, not the temporary file it was written to.
                if e.path != path:
                    raise
                err = InputError(str(e).replace(f"{path}:", "record ").replace(path, "records"))
                err.line, err.field = e.line, e.field
                raise err from None
        report["data"] = "(records)"
        return _flatten_report(report)


def mentions(
    text: str,
    *,
    actors: Optional[Iterable[str]] = None,
    gazetteers: Sequence[PathLike] = (),
    default_actors: bool = True,
    demonyms: bool = False,
    discover: Union[bool, str] = False,
    id: str = "text",
) -> List[Dict[str, Any]]:
    """The actor mentions and stance holders of ``text`` without a model, as ``stance mentions``:
    one record per sentence (``doc``, ``sentence``, ``start``, ``end``, ``text``, ``mentions`` with
    ``actor``, ``kind``, ``text``, ``start``, ``end``, ``via`` and ``holder``). Options as for
    :meth:`Model.score`."""
    table = _actors(actors, gazetteers, default_actors, demonyms, discover)
    return [json.loads(line) for line in table.mentions(id, text)]


def train(
    *,
    base: PathLike,
    train: PathLike,
    out: PathLike,
    dev: Sequence[PathLike] = (),
    progress: Optional[Callable[[Dict[str, Any]], None]] = None,
    **options: Any,
) -> str:
    """Fine-tunes ``base`` (an encoder folder or hub id) on the labelled JSONL ``train`` into the
    model folder ``out``, selecting the best epoch on the ``dev`` files; returns ``out``.

    ``options`` are the CLI's training flags with underscores: ``epochs``, ``lr``,
    ``batch_size``, ``warmup``, ``weight_decay``, ``clip``, ``dropout``, ``max_length``, ``seed``,
    ``label_smoothing``, ``select`` (``"f1m"``, ``"accuracy"``, ``"f1pn"``), ``pooling``,
    ``freeze_word_embeddings``, ``skip_bad``, ``resume``, ``overwrite``, ``log_every``,
    ``max_steps``, ``save_f16``, ``micro_batches``, ``checkpoint_every``, ``recipe``
    (``"small"``/``"base"``; default by the base's size), and for distillation ``teacher``,
    ``distill_weight``, ``temperature``, ``unlabelled``. An unknown option raises
    :class:`InputError`.

    ``progress``: called with a dict per event (``{"event": "start", "total_steps", "done"}``,
    ``{"event": "step", "step", "loss", "lr"}``, ``{"event": "message", "message"}``); without
    one, messages go to the ``stance`` logger. Ctrl-C stops the run after its current step and
    raises ``KeyboardInterrupt``; the last finished checkpoint is kept, and ``resume=True``
    continues from it. The run's history (per-epoch losses and dev scores) is in
    ``out/train-log.jsonl`` and ``out/stance.json``.
    """
    if progress is None:
        progress = _log_progress
    if isinstance(dev, (str, bytes)) or hasattr(dev, "__fspath__"):
        dev = [dev]
    opts = {k: (os.fspath(v) if hasattr(v, "__fspath__") else v) for k, v in options.items()}
    if "unlabelled" in opts and not isinstance(opts["unlabelled"], str):
        opts["unlabelled"] = [os.fspath(p) for p in opts["unlabelled"]]
    _stance.train(
        os.fsdecode(base),
        os.fsdecode(train),
        [os.fsdecode(d) for d in dev],
        os.fsdecode(out),
        json.dumps(opts),
        progress,
    )
    return os.fsdecode(out)


def records_to_pandas(records: Iterable[Mapping[str, Any]], *, per: str = "actor"):
    """Score records (from :meth:`Model.score`) as a pandas DataFrame (pandas must be installed).

    ``per="actor"`` (default): one row per (sentence, actor) with ``doc``, ``sentence``,
    ``text``, ``actor``, ``kind``, ``stance``, one column per label probability (``p_LABEL``), ``holder`` and the
    document's fields (``field_`` prefix). ``per="sentence"``: the records as they are, one row
    per sentence (``actors`` kept as lists)."""
    try:
        import pandas as pd
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise ImportError("records_to_pandas needs pandas: pip install pandas") from e
    if per == "sentence":
        return pd.DataFrame(list(records))
    if per != "actor":
        raise InputError(f"per={per!r}: use 'actor' or 'sentence'")
    rows = []
    for r in records:
        fields = {f"field_{k}": v for k, v in (r.get("fields") or {}).items()}
        for a in r.get("actors", []):
            row = {
                "doc": r.get("doc"),
                "sentence": r.get("sentence"),
                "text": r.get("text"),
                "actor": a.get("actor"),
                "kind": a.get("kind"),
                "stance": a.get("stance"),
            }
            row.update({f"p_{k}": v for k, v in (a.get("scores") or {}).items()})
            row["holder"] = a.get("holder")
            row.update(fields)
            rows.append(row)
    return pd.DataFrame(rows)


def to_pandas(records: Iterable[Mapping[str, Any]], **kwargs: Any):
    """Alias of :func:`records_to_pandas`."""
    return records_to_pandas(records, **kwargs)


def _actors(actors, gazetteers, default_actors, demonyms, discover) -> "_stance.NativeActors":
    if isinstance(actors, str):
        actors = [actors]
    if isinstance(gazetteers, (str, bytes)) or hasattr(gazetteers, "__fspath__"):
        gazetteers = [gazetteers]
    if discover is True:
        discover = "score"
    elif discover is False or discover is None:
        discover = "off"
    if discover not in ("off", "score"):
        # The CLI's "list" reports candidates in its summary; records have no place for them.
        raise InputError(f"discover={discover!r}: use False or True ('score')")
    return _stance.NativeActors(
        list(actors or []), [os.fsdecode(p) for p in gazetteers], bool(default_actors), bool(demonyms), str(discover)
    )


def _span(i: int, s: Any) -> Optional[Tuple[int, int]]:
    if s is None:
        return None
    try:
        start, end = s
    except (TypeError, ValueError):
        raise InputError(f"spans[{i}]: a (start, end) pair of character offsets, not {s!r}") from None
    if not all(isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in (start, end)):
        raise InputError(f"spans[{i}]: offsets are non-negative integers, not {s!r}")
    return (start, end)


def _json_safe(v: Any) -> Any:
    """Field values as JSON: NaN (pandas' missing value) as null, other objects as text."""
    if isinstance(v, float) and v != v:
        return None
    if isinstance(v, Mapping):
        return {str(k): _json_safe(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_json_safe(x) for x in v]
    if v is None or isinstance(v, (str, int, float, bool)):
        return v
    try:
        import pandas as pd  # NA, NaT

        if pd.isna(v):
            return None
    except (ImportError, TypeError, ValueError):
        pass
    return str(v)


def _document(i: int, doc: Document) -> Tuple[str, str, str]:
    if isinstance(doc, str):
        return (str(i), doc, "{}")
    if not isinstance(doc, Mapping):
        raise InputError(f"document {i}: a string or a dict with 'text', not {type(doc).__name__}")
    if not isinstance(doc.get("text"), str):
        raise InputError(f"document {i}: no 'text' string")
    fields = {str(k): _json_safe(v) for k, v in doc.items() if k not in ("id", "text")}
    doc_id = doc.get("id", i)
    return (str(doc_id), doc["text"], json.dumps(fields, ensure_ascii=False, allow_nan=False))


def _records(lines: List[str]) -> Iterator[Dict[str, Any]]:
    for line in lines:
        yield json.loads(line)


def _flatten_report(report: Dict[str, Any]) -> Dict[str, Any]:
    m = report.get("metrics", {})
    c = report.get("calibration", {})
    flat = dict(report)
    for key in ("f1m", "accuracy", "f1pn", "per_label", "confusion", "labels", "support"):
        if key in m:
            flat[key] = m[key]
    for key in ("ece", "nll"):
        if key in c:
            flat[key] = c[key]
    return flat


def _log_progress(event: Dict[str, Any]) -> None:
    import logging

    if event.get("event") == "message":
        logging.getLogger("stance").info(event["message"])


__all__ = [
    "Model",
    "mentions",
    "train",
    "records_to_pandas",
    "to_pandas",
    "StanceError",
    "InputError",
    "ModelError",
    "StanceFileNotFoundError",
    "StanceIOError",
    "__version__",
]
