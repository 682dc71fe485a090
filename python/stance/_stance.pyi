"""Type stubs of the native module (built from python/src/lib.rs); use the `stance` package's API."""

from typing import Callable, List, Optional, Sequence, Tuple

class NativeModel:
    @staticmethod
    def load(name_or_path: Optional[str] = None, precision: Optional[str] = None, threads: Optional[int] = None) -> "NativeModel": ...
    @property
    def labels(self) -> List[str]: ...
    @property
    def fingerprint(self) -> str: ...
    @property
    def source(self) -> str: ...
    @property
    def arithmetic(self) -> str: ...
    def predict(
        self, texts: List[str], targets: List[str], spans: Optional[List[Optional[Tuple[int, int]]]] = None
    ) -> Tuple[List[List[float]], List[bool]]: ...
    def evaluate(self, path: str, skip_bad: bool = False) -> str: ...
    def score_chunk(self, docs: List[Tuple[str, str, str]], actors: "NativeActors") -> List[str]: ...

class NativeActors:
    def __init__(
        self,
        specs: Sequence[str] = ...,
        files: Sequence[str] = ...,
        default: bool = True,
        demonyms: bool = False,
        discover: str = "off",
    ) -> None: ...
    def mentions(self, id: str, text: str) -> List[str]: ...

def train(
    base: str,
    train: str,
    dev: List[str],
    out: str,
    options: str = "{}",
    progress: Optional[Callable[[dict], None]] = None,
) -> str: ...
def version() -> str: ...
