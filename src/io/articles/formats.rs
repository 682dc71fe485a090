//! Archive formats read as JSON lines: JSONL (plain, gzip or zstd), CSV and Parquet.

use super::InputFields;
use serde_json::Value;
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

/// A Parquet archive by its name (`.parquet`) or its first bytes (`PAR1`).
pub(super) fn is_parquet(p: &Path) -> bool {
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
pub(super) struct ParquetAsJsonl {
    pub(super) rows: parquet::record::reader::RowIter<'static>,
    pub(super) id: String,
}

#[cfg(feature = "parquet")]
impl ParquetAsJsonl {
    pub(super) fn open(p: &Path, fields: &InputFields) -> std::io::Result<Self> {
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
pub(super) fn archive_name(p: &Path) -> String {
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
pub(super) fn is_jsonl(p: &Path) -> bool {
    let name = archive_name(p);
    name.ends_with(".jsonl") || name.ends_with(".ndjson")
}

/// A CSV or TSV archive by its name (also gzip-compressed): a header row, a `text` column, an
/// optional `id` column; every other column is carried as a field.
pub(super) fn is_csv(p: &Path) -> bool {
    let name = archive_name(p);
    name.ends_with(".csv") || name.ends_with(".tsv")
}

/// A CSV archive's records as JSON lines (`{"id", "text", …}`, every value a string), so that
/// they go through the JSONL reader: ids, duplicate ids and skips work alike. A blank first line
/// stands for the header, so line numbers are the records' (for records on one line each).
pub(super) struct CsvAsJsonl {
    pub(super) rows: csv::Reader<Box<dyn BufRead>>,
    pub(super) headers: Vec<String>,
    /// The id column: an empty id is left out (the record then gets its file and line).
    pub(super) id: String,
    pub(super) started: bool,
}

/// A table read record by record, each written as one JSON line.
pub(super) trait Records {
    /// Writes the next record as one JSON line into `line` (left empty at the end).
    fn next_line(&mut self, line: &mut Vec<u8>) -> std::io::Result<()>;
}

/// The JSON lines of a [`Records`] as a byte stream for the JSONL reader.
pub(super) struct JsonLines<R: Records> {
    pub(super) records: R,
    pub(super) line: Vec<u8>,
    pub(super) at: usize,
}

impl<R: Records> JsonLines<R> {
    pub(super) fn new(records: R) -> Self {
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
    pub(super) fn open(p: &Path, fields: &InputFields) -> std::io::Result<Self> {
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
        if headers.iter().all(String::is_empty) {
            return Err(std::io::Error::other(
                "an empty file (no header row, no records)",
            ));
        }
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
pub(super) const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];
pub(super) const ZSTD_MAGIC: [u8; 4] = [0x28, 0xb5, 0x2f, 0xfd];

/// A zstd stream of one or more frames (`cat a.zst b.zst` is one valid stream): the decoder of
/// one frame ends at its frame, so the next frame is started while input is left.
pub(super) struct ZstdFrames<R: BufRead> {
    pub(super) decoder:
        Option<ruzstd::decoding::StreamingDecoder<R, ruzstd::decoding::FrameDecoder>>,
}

impl<R: BufRead> ZstdFrames<R> {
    pub(super) fn new(source: R) -> std::io::Result<Self> {
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
pub(super) fn open_archive(p: &Path) -> std::io::Result<Box<dyn BufRead>> {
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

/// A table's records as a JSONL stream.
pub(super) fn lines_of<R: Records + 'static>(records: R) -> Box<dyn BufRead> {
    Box::new(BufReader::new(JsonLines::new(records)))
}
