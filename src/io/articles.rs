//! Articles to score, streamed: plain-text files (one article per file, `.txt`/`.md`), folders
//! of them (recursive, in sorted order), JSONL archives (`{id, text, …}`, one article a line,
//! other fields carried through), and `-` for standard input (JSONL when it starts with `{`,
//! else one article). UTF-8 with a BOM and CRLF line ends are accepted; invalid UTF-8 is
//! decoded lossily with a warning; binary and unreadable files are reported and skipped.

use serde_json::{Map, Value};
use std::collections::HashSet;
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

/// One article.
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    pub id: String,
    /// What `--shard` hashes: the record's own `id` when it has one, else the file's canonical
    /// path (with `:LINE` for a JSONL record), so that every spelling of an input path puts a
    /// document in the same shard.
    pub key: String,
    pub text: String,
    /// Fields of a JSONL record other than `id` and `text`.
    pub fields: Map<String, Value>,
}

/// Which field of a JSONL record or column of a CSV row holds an article's text and which its id
/// (`--text-field`, `--id-field`); the others are carried as fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputFields {
    pub text: String,
    pub id: String,
}

impl Default for InputFields {
    fn default() -> Self {
        Self {
            text: "text".into(),
            id: "id".into(),
        }
    }
}

/// Something in the input that was not scored as it was, with where it is.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Problem {
    pub source: String,
    pub line: Option<usize>,
    pub message: String,
    /// The document was skipped (else it was scored with a caveat, e.g. lossy decoding).
    pub skipped: bool,
}

enum Source {
    Text(PathBuf),
    Jsonl(PathBuf),
    Csv(PathBuf),
    Parquet(PathBuf),
    Stdin,
}

/// A Parquet archive by its name (`.parquet`) or its first bytes (`PAR1`).
fn is_parquet(p: &Path) -> bool {
    let named = p
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("parquet"));
    named || {
        let mut head = [0u8; 4];
        File::open(p)
            .and_then(|mut f| f.read_exact(&mut head))
            .is_ok()
            && &head == b"PAR1"
    }
}

/// A Parquet archive's rows as JSON lines (every column by its name; dates and timestamps as
/// ISO 8601 text), so that they go through the JSONL reader as CSV rows do: the text and id
/// fields, ids, duplicate ids and skips work alike, and a row's line number is its row number.
#[cfg(feature = "parquet")]
struct ParquetAsJsonl {
    rows: parquet::record::reader::RowIter<'static>,
    id: String,
}

#[cfg(feature = "parquet")]
impl ParquetAsJsonl {
    fn open(p: &Path, fields: &InputFields) -> std::io::Result<Self> {
        let reader = parquet::file::serialized_reader::SerializedFileReader::new(File::open(p)?)
            .map_err(std::io::Error::other)?;
        Ok(Self {
            rows: reader.into_iter(),
            id: fields.id.clone(),
        })
    }
}

#[cfg(feature = "parquet")]
impl Records for ParquetAsJsonl {
    /// A row that cannot be decoded is a line the JSONL reader reports as malformed.
    fn next_line(&mut self, line: &mut Vec<u8>) -> std::io::Result<()> {
        match self.rows.next() {
            None => {}
            Some(Ok(row)) => {
                let mut v = row.to_json_value();
                if let Value::Object(m) = &mut v {
                    if m.get(&self.id)
                        .is_some_and(|x| x.as_str() == Some("") || x.is_null())
                    {
                        m.remove(&self.id);
                    }
                }
                line.extend(v.to_string().into_bytes());
                line.push(b'\n');
            }
            Some(Err(e)) => line.extend(format!("row not decoded: {e}\n").into_bytes()),
        }
        Ok(())
    }
}

/// A file's name in lower case without a `.gz` or `.zst` suffix: what its archive kind is told
/// by.
fn archive_name(p: &Path) -> String {
    let name = p
        .file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    name.strip_suffix(".gz")
        .or_else(|| name.strip_suffix(".zst"))
        .map_or(name.clone(), str::to_string)
}

/// A JSONL archive by its name: `.jsonl` or `.ndjson`, also compressed (`.jsonl.gz`,
/// `.jsonl.zst`).
fn is_jsonl(p: &Path) -> bool {
    let name = archive_name(p);
    name.ends_with(".jsonl") || name.ends_with(".ndjson")
}

/// A CSV or TSV archive by its name (also gzip-compressed): a header row, a `text` column, an
/// optional `id` column; every other column is carried as a field.
fn is_csv(p: &Path) -> bool {
    let name = archive_name(p);
    name.ends_with(".csv") || name.ends_with(".tsv")
}

/// A CSV archive's records as JSON lines (`{"id", "text", …}`, every value a string), so that
/// they go through the JSONL reader: ids, duplicate ids and skips work alike. A blank first line
/// stands for the header, so line numbers are the records' (for records on one line each).
struct CsvAsJsonl {
    rows: csv::Reader<Box<dyn BufRead>>,
    headers: Vec<String>,
    /// The id column: an empty id is left out (the record then gets its file and line).
    id: String,
    started: bool,
}

/// A table read record by record, each written as one JSON line.
trait Records {
    /// Writes the next record as one JSON line into `line` (left empty at the end).
    fn next_line(&mut self, line: &mut Vec<u8>) -> std::io::Result<()>;
}

/// The JSON lines of a [`Records`] as a byte stream for the JSONL reader.
struct JsonLines<R: Records> {
    records: R,
    line: Vec<u8>,
    at: usize,
}

impl<R: Records> JsonLines<R> {
    fn new(records: R) -> Self {
        Self {
            records,
            line: Vec::new(),
            at: 0,
        }
    }
}

impl<R: Records> Read for JsonLines<R> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        if self.at == self.line.len() {
            self.line.clear();
            self.at = 0;
            self.records.next_line(&mut self.line)?;
        }
        let n = out.len().min(self.line.len() - self.at);
        out[..n].copy_from_slice(&self.line[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

impl CsvAsJsonl {
    fn open(p: &Path, fields: &InputFields) -> std::io::Result<Self> {
        let tsv = archive_name(p).ends_with(".tsv");
        let mut rows = csv::ReaderBuilder::new()
            .delimiter(if tsv { b'\t' } else { b',' })
            .flexible(true)
            .from_reader(open_archive(p)?);
        let headers: Vec<String> = rows
            .headers()
            .map_err(std::io::Error::other)?
            .iter()
            .map(|h| h.trim_start_matches('\u{feff}').trim().to_string())
            .collect();
        if !headers.contains(&fields.text) {
            return Err(std::io::Error::other(format!(
                "no `{}` column in the header (columns: {}; --text-field names another)",
                fields.text,
                headers.join(", ")
            )));
        }
        Ok(Self {
            rows,
            headers,
            id: fields.id.clone(),
            started: false,
        })
    }
}

impl Records for CsvAsJsonl {
    fn next_line(&mut self, line: &mut Vec<u8>) -> std::io::Result<()> {
        if !self.started {
            self.started = true;
            line.push(b'\n');
            return Ok(());
        }
        let mut rec = csv::StringRecord::new();
        if !self
            .rows
            .read_record(&mut rec)
            .map_err(std::io::Error::other)?
        {
            return Ok(());
        }
        let obj: serde_json::Map<String, Value> = self
            .headers
            .iter()
            .zip(rec.iter())
            .filter(|(h, v)| !(**h == self.id && v.trim().is_empty()))
            .map(|(h, v)| (h.clone(), Value::String(v.to_string())))
            .collect();
        serde_json::to_writer(&mut *line, &obj).map_err(std::io::Error::other)?;
        line.push(b'\n');
        Ok(())
    }
}

/// The first bytes of gzip and zstd streams.
const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];
const ZSTD_MAGIC: [u8; 4] = [0x28, 0xb5, 0x2f, 0xfd];

/// A zstd stream of one or more frames (`cat a.zst b.zst` is one valid stream): the decoder of
/// one frame ends at its frame, so the next frame is started while input is left.
struct ZstdFrames<R: BufRead> {
    decoder: Option<ruzstd::decoding::StreamingDecoder<R, ruzstd::decoding::FrameDecoder>>,
}

impl<R: BufRead> ZstdFrames<R> {
    fn new(source: R) -> std::io::Result<Self> {
        let decoder =
            ruzstd::decoding::StreamingDecoder::new(source).map_err(std::io::Error::other)?;
        Ok(Self {
            decoder: Some(decoder),
        })
    }
}

impl<R: BufRead> Read for ZstdFrames<R> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        loop {
            let Some(d) = self.decoder.as_mut() else {
                return Ok(0);
            };
            let n = d.read(out)?;
            if n > 0 || out.is_empty() {
                return Ok(n);
            }
            // The frame has ended: another follows when input is left.
            if d.get_mut().fill_buf()?.is_empty() {
                self.decoder = None;
                return Ok(0);
            }
            let Some((source, frame)) = self.decoder.take().map(|d| d.into_parts()) else {
                return Ok(0);
            };
            self.decoder = Some(
                ruzstd::decoding::StreamingDecoder::new_with_decoder(source, frame)
                    .map_err(std::io::Error::other)?,
            );
        }
    }
}

/// An archive's bytes: read through gzip or zstd when its first bytes are theirs (whatever its
/// name).
fn open_archive(p: &Path) -> std::io::Result<Box<dyn BufRead>> {
    let mut f = File::open(p)?;
    let mut head = [0u8; 4];
    let n = f.read(&mut head)?;
    use std::io::Seek;
    f.seek(std::io::SeekFrom::Start(0))?;
    if n >= 2 && head[..2] == GZIP_MAGIC {
        return Ok(Box::new(BufReader::new(flate2::read::MultiGzDecoder::new(
            f,
        ))));
    }
    if n == 4 && head == ZSTD_MAGIC {
        let frames = ZstdFrames::new(BufReader::new(f))?;
        return Ok(Box::new(BufReader::new(frames)));
    }
    Ok(Box::new(BufReader::new(f)))
}

fn is_text(p: &Path) -> bool {
    p.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("txt") || e.eq_ignore_ascii_case("md"))
}

/// Expands the inputs into sources; missing paths become problems.
fn expand(inputs: &[String], text_field: &str, problems: &mut Vec<Problem>) -> Vec<Source> {
    let mut out = Vec::new();
    for inp in inputs {
        if inp == "-" {
            out.push(Source::Stdin);
            continue;
        }
        let p = PathBuf::from(inp);
        if p.is_dir() {
            let mut files = Vec::new();
            let mut visited = HashSet::new();
            walk(&p, &mut files, &mut visited, problems);
            files.sort();
            for f in files {
                out.extend(classify(f, text_field, problems));
            }
        } else if p.is_file() {
            out.extend(classify(p, text_field, problems));
        } else {
            problems.push(Problem {
                source: inp.clone(),
                line: None,
                message: "no such file or folder".into(),
                skipped: true,
            });
        }
    }
    out
}

/// A file's source kind: by extension (`.txt`/`.md` articles, JSONL and CSV archives), or JSONL
/// by content when a file of another name starts with a JSON object (reported, so that an
/// archive is never scored as prose). A file of any other kind is a reported skip naming what
/// was tried: it is never read as prose.
fn classify(p: PathBuf, text_field: &str, problems: &mut Vec<Problem>) -> Option<Source> {
    if is_jsonl(&p) {
        return Some(Source::Jsonl(p));
    }
    if is_csv(&p) {
        return Some(Source::Csv(p));
    }
    if is_text(&p) {
        return Some(Source::Text(p));
    }
    if is_parquet(&p) {
        return Some(Source::Parquet(p));
    }
    if starts_with_json_object(&p, text_field) {
        problems.push(Problem {
            source: p.display().to_string(),
            line: None,
            message: format!(
                "read as a JSONL archive (its first line is a JSON object with `{text_field}`)"
            ),
            skipped: false,
        });
        return Some(Source::Jsonl(p));
    }
    problems.push(Problem {
        source: p.display().to_string(),
        line: None,
        message: format!(
            "not read: of no kind stance reads (tried: a .txt or .md article; a .jsonl, .ndjson, .csv or .tsv archive, also .gz or .zst; a Parquet file; a JSON object with `{text_field}` on the first line, also compressed); name an article .txt to score it"
        ),
        skipped: true,
    });
    None
}

fn starts_with_json_object(p: &Path, text_field: &str) -> bool {
    let Ok(r) = open_archive(p) else { return false };
    let mut first = Vec::new();
    if r.take(1 << 20).read_until(b'\n', &mut first).is_err() {
        return false;
    }
    serde_json::from_slice::<Value>(first.trim_ascii())
        .is_ok_and(|v| v.get(text_field).is_some_and(Value::is_string))
}

/// Collects the article files below `dir`. Each folder is read once (by its canonical path),
/// so symbolic-link loops end; files of other kinds are reported as skipped.
fn walk(
    dir: &Path,
    files: &mut Vec<PathBuf>,
    visited: &mut HashSet<PathBuf>,
    problems: &mut Vec<Problem>,
) {
    if let Ok(c) = dir.canonicalize() {
        if !visited.insert(c) {
            problems.push(Problem {
                source: dir.display().to_string(),
                line: None,
                message: "folder already read (a symbolic-link loop or a second link to it)".into(),
                skipped: true,
            });
            return;
        }
    }
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) => {
            problems.push(Problem {
                source: dir.display().to_string(),
                line: None,
                message: format!("cannot read folder: {e}"),
                skipped: true,
            });
            return;
        }
    };
    for entry in entries.flatten() {
        let p = entry.path();
        if p.is_dir() {
            walk(&p, files, visited, problems);
        } else if is_text(&p) || is_jsonl(&p) || is_csv(&p) || is_parquet(&p) {
            files.push(p);
        } else if is_sidecar(&p) {
            // Read with its article.
        } else {
            problems.push(Problem {
                source: p.display().to_string(),
                line: None,
                message:
                    "not read: articles are .txt or .md files, archives .jsonl, .ndjson, .csv, .tsv (or those .gz or .zst) or .parquet"
                        .into(),
                skipped: true,
            });
        }
    }
}

/// Decodes bytes: strips a BOM, normalises CRLF, decodes invalid UTF-8 lossily (reported).
fn decode(
    bytes: Vec<u8>,
    source: &str,
    line: Option<usize>,
    problems: &mut Vec<Problem>,
) -> String {
    let bytes = match bytes.strip_prefix(b"\xEF\xBB\xBF") {
        Some(b) => b.to_vec(),
        None => bytes,
    };
    let s = match String::from_utf8(bytes) {
        Ok(s) => s,
        Err(e) => {
            problems.push(Problem {
                source: source.into(),
                line,
                message: "invalid UTF-8, decoded with replacement characters".into(),
                skipped: false,
            });
            String::from_utf8_lossy(e.as_bytes()).into_owned()
        }
    };
    if s.contains('\r') {
        s.replace("\r\n", "\n").replace('\r', "\n")
    } else {
        s
    }
}

/// A file's canonical path as text (`-` and paths that cannot be resolved stay as given).
fn canonical_name(name: &str) -> String {
    if name == "-" {
        return name.into();
    }
    Path::new(name)
        .canonicalize()
        .map_or_else(|_| name.into(), |p| p.display().to_string())
}

/// Non-blank lines of standard input looked at for a JSONL document before it is taken as one
/// plain-text article.
pub const STDIN_SNIFF_LINES: usize = 64;

/// Whether `line` is a JSON object: a record of a JSONL archive.
fn is_json_object(line: &[u8]) -> bool {
    let t = line.trim_ascii();
    t.first() == Some(&b'{') && serde_json::from_slice::<Value>(t).is_ok_and(|v| v.is_object())
}

fn looks_binary(bytes: &[u8]) -> bool {
    bytes.iter().take(8192).any(|&b| b == 0)
}

/// One of `count` disjoint parts of an archive, chosen by a hash of each document's id, so that
/// independent processes cover the archive exactly once (`--shard I/N`, `0 ≤ I < N`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    pub index: u64,
    pub count: u64,
}

impl Shard {
    /// Whether the document with this id belongs to the shard (FNV-1a of the id's bytes).
    pub fn contains(&self, id: &str) -> bool {
        let h = crate::io::hash::fnv_update(crate::io::hash::FNV_START, id.as_bytes());
        h % self.count == self.index
    }
}

impl std::str::FromStr for Shard {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        let bad = || format!("--shard {s:?}: expected I/N with 0 <= I < N, e.g. 0/4");
        let (i, n) = s.split_once('/').ok_or_else(bad)?;
        let (index, count): (u64, u64) = (
            i.trim().parse().map_err(|_| bad())?,
            n.trim().parse().map_err(|_| bad())?,
        );
        if count == 0 || index >= count {
            return Err(bad());
        }
        Ok(Self { index, count })
    }
}

/// An iterator of documents over all inputs. Problems accumulate in [`Documents::problems`].
pub struct Documents {
    sources: std::vec::IntoIter<Source>,
    current: Option<(String, Box<dyn BufRead>, usize)>,
    pub problems: Vec<Problem>,
    seen: HashSet<String>,
    /// Root folders given, to make file ids relative.
    roots: Vec<PathBuf>,
    /// A plain-text document of a stream, returned first.
    pending: Option<Document>,
    /// The last file name resolved by [`Documents::canonical_of`] and its canonical form (one
    /// resolution per file, not per record).
    canonical: (String, String),
    fields: InputFields,
}

impl Documents {
    /// The documents of `inputs`, text in `text`, id in `id` (see [`Documents::open_with`]).
    pub fn open(inputs: &[String]) -> Self {
        Self::open_with(inputs, InputFields::default())
    }

    /// The documents of `inputs`, with the text and id of JSONL records and CSV rows in the
    /// fields `fields` names.
    pub fn open_with(inputs: &[String], fields: InputFields) -> Self {
        let mut problems = Vec::new();
        let sources = expand(inputs, &fields.text, &mut problems);
        let roots = inputs
            .iter()
            .map(PathBuf::from)
            .filter(|p| p.is_dir())
            .collect();
        Self {
            sources: sources.into_iter(),
            current: None,
            problems,
            seen: HashSet::new(),
            roots,
            pending: None,
            canonical: Default::default(),
            fields,
        }
    }

    /// [`canonical_name`] of `name`, resolved once per file.
    fn canonical_of(&mut self, name: &str) -> String {
        if self.canonical.0 != name {
            self.canonical = (name.to_string(), canonical_name(name));
        }
        self.canonical.1.clone()
    }

    fn file_id(&self, p: &Path) -> String {
        for r in &self.roots {
            if let Ok(rel) = p.strip_prefix(r) {
                return rel.display().to_string();
            }
        }
        p.display().to_string()
    }

    /// Records a skipped JSONL record.
    fn skip(&mut self, source: String, line: usize, message: impl Into<String>) {
        self.problems.push(Problem {
            source,
            line: Some(line),
            message: message.into(),
            skipped: true,
        });
    }

    /// Makes ids unique: a repeated id gets `#2`, `#3`, … and a warning.
    fn unique(&mut self, id: String, source: &str, line: Option<usize>) -> String {
        if self.seen.insert(id.clone()) {
            return id;
        }
        let mut k = 2;
        loop {
            let cand = format!("{id}#{k}");
            if self.seen.insert(cand.clone()) {
                self.problems.push(Problem {
                    source: source.into(),
                    line,
                    message: format!("duplicate id {id:?}, renamed to {cand:?}"),
                    skipped: false,
                });
                return cand;
            }
            k += 1;
        }
    }

    fn next_jsonl_line(&mut self) -> Option<Document> {
        loop {
            let (name, reader, line_no) = self.current.as_mut()?;
            let mut buf = Vec::new();
            match reader.read_until(b'\n', &mut buf) {
                Ok(0) => {
                    self.current = None;
                    return None;
                }
                Ok(_) => {}
                Err(e) => {
                    let name = name.clone();
                    let line = *line_no + 1;
                    self.skip(name, line, format!("read error: {e}"));
                    self.current = None;
                    return None;
                }
            }
            *line_no += 1;
            let (name, line) = (name.clone(), *line_no);
            if buf.iter().all(|b| b.is_ascii_whitespace()) {
                continue;
            }
            let text = decode(buf, &name, Some(line), &mut self.problems);
            let v: Value = match serde_json::from_str(text.trim()) {
                Ok(v) => v,
                Err(e) => {
                    self.skip(name, line, format!("malformed JSON: {e}"));
                    continue;
                }
            };
            let Value::Object(mut obj) = v else {
                self.skip(name, line, "expected a JSON object");
                continue;
            };
            let body = match obj.remove(&self.fields.text) {
                Some(Value::String(s)) => s,
                Some(_) => {
                    let m = format!("field `{}` is not a string", self.fields.text);
                    self.skip(name, line, m);
                    continue;
                }
                None => {
                    let m = format!("field `{}` is missing", self.fields.text);
                    self.skip(name, line, m);
                    continue;
                }
            };
            let (id, key) = match obj.remove(&self.fields.id) {
                Some(Value::String(s)) => (s.clone(), s),
                Some(Value::Number(n)) => (n.to_string(), n.to_string()),
                _ => (
                    format!("{name}:{line}"),
                    format!("{}:{line}", self.canonical_of(&name)),
                ),
            };
            let id = self.unique(id, &name, Some(line));
            return Some(Document {
                id,
                key,
                text: body,
                fields: obj,
            });
        }
    }
}

impl Iterator for Documents {
    type Item = Document;
    fn next(&mut self) -> Option<Document> {
        if let Some(d) = self.pending.take() {
            return Some(d);
        }
        loop {
            if self.current.is_some() {
                if let Some(d) = self.next_jsonl_line() {
                    return Some(d);
                }
                continue;
            }
            match self.sources.next()? {
                Source::Csv(p) => {
                    let r = CsvAsJsonl::open(&p, &self.fields).map(lines_of);
                    self.start(&p, "cannot read as CSV", r);
                }
                #[cfg(feature = "parquet")]
                Source::Parquet(p) => {
                    let r = ParquetAsJsonl::open(&p, &self.fields).map(lines_of);
                    self.start(&p, "cannot read as Parquet", r);
                }
                #[cfg(not(feature = "parquet"))]
                Source::Parquet(p) => self.problems.push(Problem {
                    source: p.display().to_string(),
                    line: None,
                    message:
                        "a Parquet file: this build has no Parquet reader (cargo feature `parquet`)"
                            .into(),
                    skipped: true,
                }),
                Source::Jsonl(p) => {
                    let r = open_archive(&p);
                    self.start(&p, "cannot open", r);
                }
                Source::Text(p) => {
                    let name = p.display().to_string();
                    match std::fs::read(&p) {
                        Ok(bytes) if looks_binary(&bytes) => self.problems.push(Problem {
                            source: name,
                            line: None,
                            message: "binary file (NUL bytes), skipped".into(),
                            skipped: true,
                        }),
                        Ok(bytes) if bytes.iter().all(|b| b.is_ascii_whitespace()) => {
                            self.problems.push(Problem {
                                source: name,
                                line: None,
                                message: "empty file, skipped".into(),
                                skipped: true,
                            })
                        }
                        Ok(bytes) => {
                            let text = decode(bytes, &name, None, &mut self.problems);
                            let (mut fields, text) = self.metadata(&p, &name, text);
                            let id = match fields.remove(&self.fields.id) {
                                Some(Value::String(s)) if !s.trim().is_empty() => s,
                                Some(Value::Number(n)) => n.to_string(),
                                _ => self.file_id(&p),
                            };
                            let id = self.unique(id, &name, None);
                            return Some(Document {
                                id,
                                key: canonical_name(&name),
                                text,
                                fields,
                            });
                        }
                        Err(e) => self.problems.push(Problem {
                            source: name,
                            line: None,
                            message: format!("cannot read: {e}"),
                            skipped: true,
                        }),
                    }
                }
                Source::Stdin => {
                    if let Some(doc) = self.open_stdin() {
                        return Some(doc);
                    }
                }
            }
        }
    }
}

/// The number of documents in `inputs`, when it can be known cheaply before reading them:
/// articles count one each, an uncompressed JSONL archive its non-blank lines (one pass over its
/// bytes). `None` where a CSV archive (records may span lines), a compressed archive or standard
/// input is among the inputs: progress then counts up without a total.
pub fn count_documents(inputs: &[String], fields: &InputFields) -> Option<u64> {
    let mut problems = Vec::new();
    let mut n = 0u64;
    for src in expand(inputs, &fields.text, &mut problems) {
        match src {
            Source::Text(_) => n += 1,
            Source::Jsonl(p) => {
                let mut f = BufReader::with_capacity(1 << 20, File::open(&p).ok()?);
                let head = f.fill_buf().ok()?;
                if head.starts_with(&GZIP_MAGIC) || head.starts_with(&ZSTD_MAGIC) {
                    return None;
                }
                let mut blank = true;
                loop {
                    let buf = f.fill_buf().ok()?;
                    if buf.is_empty() {
                        break;
                    }
                    for &b in buf {
                        if b == b'\n' {
                            n += u64::from(!blank);
                            blank = true;
                        } else if !b.is_ascii_whitespace() {
                            blank = false;
                        }
                    }
                    let len = buf.len();
                    f.consume(len);
                }
                n += u64::from(!blank);
            }
            Source::Csv(_) | Source::Stdin => return None,
            #[cfg(feature = "parquet")]
            Source::Parquet(p) => {
                use parquet::file::reader::FileReader;
                let r = parquet::file::serialized_reader::SerializedFileReader::new(
                    File::open(&p).ok()?,
                )
                .ok()?;
                n += r.metadata().file_metadata().num_rows().max(0) as u64;
            }
            #[cfg(not(feature = "parquet"))]
            Source::Parquet(_) => return None,
        }
    }
    Some(n)
}

/// A table's records as a JSONL stream.
fn lines_of<R: Records + 'static>(records: R) -> Box<dyn BufRead> {
    Box::new(BufReader::new(JsonLines::new(records)))
}

/// A sidecar of an article: `NAME.json` beside `NAME.txt` or `NAME.md`.
pub fn sidecar_of(p: &Path) -> PathBuf {
    p.with_extension("json")
}

/// Whether `p` is the sidecar of an article beside it.
fn is_sidecar(p: &Path) -> bool {
    p.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"))
        && ["txt", "md", "TXT", "MD"]
            .iter()
            .any(|e| p.with_extension(e).is_file())
}

/// A front-matter block at the start of an article (`---`, lines of `key: value`, `---`): its
/// fields and the text after it. Values are strings (quotes around them removed); a line that is
/// not `key: value` (nested YAML, lists) is returned by number so that it can be reported.
pub fn front_matter(text: &str) -> Option<(Map<String, Value>, &str, Vec<usize>)> {
    let rest = text.strip_prefix("---\n")?;
    let end = rest
        .match_indices("\n---")
        .map(|(i, _)| i)
        .find(|&i| matches!(rest[i + 4..].chars().next(), None | Some('\n')))?;
    let block = &rest[..end];
    let body = rest[end + 4..]
        .strip_prefix('\n')
        .unwrap_or(&rest[end + 4..]);
    let mut fields = Map::new();
    let mut unread = Vec::new();
    for (k, line) in block.lines().enumerate() {
        if line.trim().is_empty() || line.trim_start().starts_with('#') {
            continue;
        }
        match line.split_once(':') {
            Some((key, value)) if !key.trim().is_empty() && !key.starts_with([' ', '\t', '-']) => {
                let v = value.trim();
                let v = v
                    .strip_prefix('"')
                    .and_then(|x| x.strip_suffix('"'))
                    .or_else(|| v.strip_prefix('\'').and_then(|x| x.strip_suffix('\'')))
                    .unwrap_or(v);
                fields.insert(key.trim().to_string(), Value::String(v.to_string()));
            }
            _ => unread.push(k + 2),
        }
    }
    Some((fields, body, unread))
}

impl Documents {
    /// Starts reading an archive's lines, or reports why it cannot be read.
    fn start(&mut self, p: &Path, failed: &str, opened: std::io::Result<Box<dyn BufRead>>) {
        match opened {
            Ok(r) => self.current = Some((p.display().to_string(), r, 0)),
            Err(e) => self.problems.push(Problem {
                source: p.display().to_string(),
                line: None,
                message: format!("{failed}: {e}"),
                skipped: true,
            }),
        }
    }

    /// An article's metadata: its sidecar `NAME.json` (a JSON object), then its front matter
    /// (which wins where both name a field); returns the fields and the text without the front
    /// matter. What cannot be read is reported; the article is scored either way.
    fn metadata(&mut self, p: &Path, name: &str, text: String) -> (Map<String, Value>, String) {
        let mut fields = Map::new();
        let side = sidecar_of(p);
        if side.is_file() {
            let problem = match std::fs::read(&side) {
                Ok(bytes) => match serde_json::from_slice::<Value>(&bytes) {
                    Ok(Value::Object(m)) => {
                        fields = m;
                        None
                    }
                    Ok(_) => Some("is not a JSON object".to_string()),
                    Err(e) => Some(format!("is not JSON: {e}")),
                },
                Err(e) => Some(format!("cannot be read: {e}")),
            };
            if let Some(why) = problem {
                self.problems.push(Problem {
                    source: side.display().to_string(),
                    line: None,
                    message: format!("sidecar of {name} {why}; the article is scored without it"),
                    skipped: false,
                });
            }
        }
        let Some((front, body, unread)) = front_matter(&text) else {
            return (fields, text);
        };
        for line in unread {
            self.problems.push(Problem {
                source: name.into(),
                line: Some(line),
                message: "front-matter line not read (only `key: value` lines are)".into(),
                skipped: false,
            });
        }
        fields.extend(front);
        (fields, body.to_string())
    }

    /// Standard input: JSONL is read as a stream, line by line, so that a pipe of any length is
    /// scored in bounded memory; anything else is one document. It is JSONL when one of its
    /// first [`STDIN_SNIFF_LINES`] non-blank lines is a JSON object; lines
    /// before that one are counted, reported skips (a note or a header above an archive never
    /// turns the archive into one plain-text article).
    fn open_stdin(&mut self) -> Option<Document> {
        self.open_stream(BufReader::new(std::io::stdin()))
    }

    /// The documents of a stream read as standard input is (JSONL or one plain-text article,
    /// decided as [`Documents::open_stdin`] says), with `-` as its name in problems.
    pub fn from_stream(stream: impl BufRead + 'static) -> Self {
        let mut docs = Self {
            sources: Vec::new().into_iter(),
            current: None,
            problems: Vec::new(),
            seen: HashSet::new(),
            roots: Vec::new(),
            pending: None,
            canonical: Default::default(),
            fields: InputFields::default(),
        };
        docs.pending = docs.open_stream(stream);
        docs
    }

    fn open_stream(&mut self, stream: impl BufRead + 'static) -> Option<Document> {
        let mut reader = stream;
        // Lines read while deciding, kept: they are skipped lines of JSONL or the start of a
        // plain-text document.
        let mut lead: Vec<u8> = Vec::new();
        let mut lines = 0usize;
        let mut non_blank = Vec::new();
        let first = loop {
            let mut line = Vec::new();
            match reader.read_until(b'\n', &mut line) {
                Ok(0) => break None,
                Ok(_) => {}
                Err(e) => {
                    self.problems.push(Problem {
                        source: "-".into(),
                        line: None,
                        message: format!("cannot read standard input: {e}"),
                        skipped: true,
                    });
                    return None;
                }
            }
            if is_json_object(&line) {
                break Some(line);
            }
            lines += 1;
            if !line.iter().all(|b| b.is_ascii_whitespace()) {
                non_blank.push(lines);
            }
            lead.extend_from_slice(&line);
            if non_blank.len() >= STDIN_SNIFF_LINES {
                break None;
            }
        };
        match first {
            None if lead.iter().all(|b| b.is_ascii_whitespace()) => None,
            Some(json) => {
                for line in non_blank {
                    self.skip(
                        "-".into(),
                        line,
                        "not a JSON object (standard input is read as JSONL)",
                    );
                }
                let rest = std::io::Cursor::new(json).chain(reader);
                self.current = Some(("-".into(), Box::new(rest), lines));
                None
            }
            None => {
                let mut bytes = lead;
                if let Err(e) = reader.read_to_end(&mut bytes) {
                    self.problems.push(Problem {
                        source: "-".into(),
                        line: None,
                        message: format!("cannot read standard input: {e}"),
                        skipped: true,
                    });
                    return None;
                }
                let text = decode(bytes, "-", None, &mut self.problems);
                let id = self.unique("stdin".into(), "-", None);
                Some(Document {
                    key: id.clone(),
                    id,
                    text,
                    fields: Map::new(),
                })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_split_ids_disjointly_and_cover_them_all() {
        let shards: Vec<Shard> = (0..4).map(|i| format!("{i}/4").parse().unwrap()).collect();
        let mut sizes = [0usize; 4];
        for k in 0..2000 {
            let id = format!("doc-{k}");
            let owners: Vec<usize> = (0..4).filter(|&i| shards[i].contains(&id)).collect();
            assert_eq!(owners.len(), 1, "{id} in shards {owners:?}");
            sizes[owners[0]] += 1;
        }
        assert!(sizes.iter().all(|&n| n > 400), "{sizes:?}");
        for bad in ["4/4", "1", "a/2", "0/0", "-1/3"] {
            assert!(bad.parse::<Shard>().is_err(), "{bad}");
        }
    }

    #[test]
    fn folders_files_and_jsonl_with_problems_reported() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::create_dir_all(d.join("sub")).unwrap();
        std::fs::write(d.join("b.txt"), b"\xEF\xBB\xBFSecond.\r\nLine.").unwrap();
        std::fs::write(d.join("sub/a.md"), "First.").unwrap();
        std::fs::write(d.join("empty.txt"), "  \n").unwrap();
        std::fs::write(d.join("bin.txt"), b"\x00\x01\x02").unwrap();
        std::fs::write(d.join("bad.txt"), b"caf\xe9 ok").unwrap();
        std::fs::write(d.join("ignored.csv"), "x").unwrap();
        let arch = d.join("arch.jsonl");
        std::fs::write(&arch, "{\"id\":\"x\",\"text\":\"One.\",\"src\":\"wire\"}\n{broken\n\n{\"id\":\"x\",\"text\":\"Two.\"}\n{\"title\":\"no text\"}\n{\"text\":\"Three.\"}\n").unwrap();
        let mut docs = Documents::open(&[d.display().to_string(), "/no/such/path".into()]);
        let got: Vec<Document> = docs.by_ref().collect();
        let ids: Vec<&str> = got.iter().map(|x| x.id.as_str()).collect();
        assert_eq!(
            ids,
            vec![
                "x",
                "x#2",
                &format!("{}:6", arch.display()),
                "b.txt",
                "bad.txt",
                "sub/a.md"
            ]
        );
        assert_eq!(got[0].fields.get("src"), Some(&Value::from("wire")));
        assert_eq!(got[3].text, "Second.\nLine.");
        assert!(got[4].text.contains('\u{FFFD}'));
        let msgs: Vec<String> = docs
            .problems
            .iter()
            .map(|p| {
                format!(
                    "{}:{}:{}",
                    Path::new(&p.source)
                        .file_name()
                        .map(|n| n.to_string_lossy().to_string())
                        .unwrap_or_default(),
                    p.line.unwrap_or(0),
                    p.message
                )
            })
            .collect();
        let has = |s: &str| msgs.iter().any(|m| m.contains(s));
        assert!(has("path:0:no such file"), "{msgs:?}");
        assert!(has("arch.jsonl:2:malformed JSON"), "{msgs:?}");
        assert!(has("arch.jsonl:4:duplicate id"), "{msgs:?}");
        assert!(has("arch.jsonl:5:field `text` is missing"), "{msgs:?}");
        assert!(has("bin.txt:0:binary"), "{msgs:?}");
        assert!(has("empty.txt:0:empty"), "{msgs:?}");
        assert!(has("bad.txt:0:invalid UTF-8"), "{msgs:?}");
    }

    #[test]
    fn link_loops_end_other_files_are_reported_and_archives_are_sniffed() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::create_dir_all(d.join("a/b")).unwrap();
        std::fs::write(d.join("a/b/one.txt"), "Moscow spoke.").unwrap();
        std::os::unix::fs::symlink(d.join("a"), d.join("a/b/loop")).unwrap();
        std::os::unix::fs::symlink(d.join("a"), d.join("a/b/loop2")).unwrap();
        std::fs::write(d.join("a/photo.jpg"), "x").unwrap();
        std::fs::write(
            d.join("archive.json"),
            "{\"id\":\"j1\",\"text\":\"Paris spoke.\"}\n",
        )
        .unwrap();
        let mut docs = Documents::open(&[
            d.join("a").display().to_string(),
            d.join("archive.json").display().to_string(),
        ]);
        let ids: Vec<String> = docs.by_ref().map(|x| x.id).collect();
        assert_eq!(ids, vec!["b/one.txt", "j1"]);
        let msgs: Vec<&str> = docs.problems.iter().map(|p| p.message.as_str()).collect();
        assert_eq!(
            msgs.iter().filter(|m| m.contains("already read")).count(),
            2,
            "{msgs:?}"
        );
        assert!(msgs.iter().any(|m| m.contains("not read: articles are")));
        assert!(msgs.iter().any(|m| m.contains("read as a JSONL archive")));
    }

    #[test]
    fn a_file_of_unknown_kind_is_a_skip_naming_what_was_tried_never_prose() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("report.pdf");
        std::fs::write(&f, "%PDF-1.7 Beijing praised Moscow.").unwrap();
        let mut docs = Documents::open(&[f.display().to_string()]);
        assert!(docs.next().is_none(), "not read as prose");
        let p = &docs.problems[0];
        assert!(
            p.skipped && p.message.contains("tried: a .txt or .md article"),
            "{p:?}"
        );
    }

    #[test]
    fn documents_are_counted_before_reading_where_that_is_cheap() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::write(d.join("a.txt"), "One.").unwrap();
        std::fs::write(
            d.join("b.jsonl"),
            "{\"text\":\"x\"}\n\n  \n{\"text\":\"y\"}",
        )
        .unwrap();
        let f = InputFields::default();
        let all = [d.join("a.txt"), d.join("b.jsonl")].map(|p| p.display().to_string());
        assert_eq!(count_documents(&all, &f), Some(3));
        assert_eq!(count_documents(&[d.display().to_string()], &f), Some(3));
        std::fs::write(d.join("c.csv"), "text\nx\n").unwrap();
        assert_eq!(count_documents(&[d.display().to_string()], &f), None);
        assert_eq!(count_documents(&["-".to_string()], &f), None);
    }
}
