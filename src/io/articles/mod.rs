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

mod files;
mod formats;
mod shard;

use files::*;
pub use files::{canonical_name as canonical_input, front_matter, sidecar_of, STDIN_SNIFF_LINES};
use formats::*;
pub use shard::Shard;

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
    /// The source could not be read past this point (a read error, e.g. a truncated compressed
    /// archive): its later records are neither scored nor counted, so a run with one fails.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub rest_unread: bool,
}

impl Problem {
    /// A document or source left out (reported and counted).
    pub fn skipped(source: impl Into<String>, line: Option<usize>, why: impl Into<String>) -> Self {
        Self::new(source.into(), line, why.into(), true)
    }

    /// A document scored with a caveat (e.g. lossy decoding), or a note about an input.
    pub fn caveat(source: impl Into<String>, line: Option<usize>, why: impl Into<String>) -> Self {
        Self::new(source.into(), line, why.into(), false)
    }

    /// A source that could not be read past `line`: its later records are neither scored nor
    /// counted.
    pub fn read_error(source: impl Into<String>, line: Option<usize>, why: String) -> Self {
        Self {
            rest_unread: true,
            ..Self::new(source.into(), line, why, true)
        }
    }

    fn new(source: String, line: Option<usize>, message: String, skipped: bool) -> Self {
        Self {
            source,
            line,
            message,
            skipped,
            rest_unread: false,
        }
    }

    /// Whether any of `problems` left part of an input unread.
    pub fn any_unread(problems: &[Problem]) -> bool {
        problems.iter().any(|p| p.rest_unread)
    }
}

enum Source {
    Text(PathBuf),
    Jsonl(PathBuf),
    Csv(PathBuf),
    Parquet(PathBuf),
    Stdin,
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
    /// Records (scored or skipped) of the current archive so far: none at its end is reported.
    records_here: usize,
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
            records_here: 0,
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
        self.problems
            .push(Problem::skipped(source, Some(line), message));
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
                self.problems.push(Problem::caveat(
                    source,
                    line,
                    format!("duplicate id {id:?}, renamed to {cand:?}"),
                ));
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
                    if self.records_here == 0 {
                        // Silence would read as "scored, nothing to say": say it had nothing.
                        let source = name.clone();
                        self.problems.push(Problem::caveat(
                            source,
                            None,
                            "no records (an empty file, or blank lines or a header only)",
                        ));
                    }
                    self.current = None;
                    return None;
                }
                Ok(_) => {}
                Err(e) => {
                    let source = name.clone();
                    let line = *line_no + 1;
                    self.problems.push(Problem::read_error(
                        source,
                        Some(line),
                        format!("read error: {e}; the rest of the file was not read"),
                    ));
                    self.current = None;
                    return None;
                }
            }
            *line_no += 1;
            let (name, line) = (name.clone(), *line_no);
            if buf.iter().all(|b| b.is_ascii_whitespace()) {
                continue;
            }
            self.records_here += 1;
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
                Source::Parquet(p) => self.problems.push(Problem::skipped(
                    p.display().to_string(),
                    None,
                    "a Parquet file: this build has no Parquet reader (cargo feature `parquet`)",
                )),
                Source::Jsonl(p) => {
                    let r = open_archive(&p);
                    self.start(&p, "cannot open", r);
                }
                Source::Text(p) => {
                    let name = p.display().to_string();
                    match std::fs::read(&p) {
                        Ok(bytes) if looks_binary(&bytes) => self.problems.push(Problem::skipped(
                            name,
                            None,
                            "binary file (NUL bytes), skipped",
                        )),
                        Ok(bytes) if bytes.iter().all(|b| b.is_ascii_whitespace()) => self
                            .problems
                            .push(Problem::skipped(name, None, "empty file, skipped")),
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
                        Err(e) => self.problems.push(Problem::skipped(
                            name,
                            None,
                            format!("cannot read: {e}"),
                        )),
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

impl Documents {
    /// Standard input could not be read: reported, and the input ends.
    fn stdin_failed(&mut self, e: std::io::Error) -> Option<Document> {
        self.problems.push(Problem::skipped(
            "-",
            None,
            format!("cannot read standard input: {e}"),
        ));
        None
    }

    /// Starts reading an archive's lines, or reports why it cannot be read.
    fn start(&mut self, p: &Path, failed: &str, opened: std::io::Result<Box<dyn BufRead>>) {
        match opened {
            Ok(r) => {
                self.records_here = 0;
                self.current = Some((p.display().to_string(), r, 0));
            }
            Err(e) => self.problems.push(Problem::skipped(
                p.display().to_string(),
                None,
                format!("{failed}: {e}"),
            )),
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
                self.problems.push(Problem::caveat(
                    side.display().to_string(),
                    None,
                    format!("sidecar of {name} {why}; the article is scored without it"),
                ));
            }
        }
        let Some((front, body, unread)) = front_matter(&text) else {
            return (fields, text);
        };
        for line in unread {
            self.problems.push(Problem::caveat(
                name,
                Some(line),
                "front-matter line not read (only `key: value` lines are)",
            ));
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
            records_here: 0,
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
                Err(e) => return self.stdin_failed(e),
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
            None if lead.iter().all(|b| b.is_ascii_whitespace()) => {
                self.problems.push(Problem::caveat(
                    "-",
                    None,
                    "no records (standard input was empty or blank)",
                ));
                None
            }
            Some(json) => {
                self.records_here = non_blank.len();
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
                    return self.stdin_failed(e);
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
        let (_dir, f) = crate::testing::temp_path("report.pdf");
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
