//! The files of one run, planned before anything is written: every output against every input
//! (data files, folders scanned for articles, model folders, gazetteers, gold files) and against
//! the run's other outputs, compared by canonical path and by device and inode (so a hard link
//! or another spelling of the same file is the same file). A run whose outputs would overwrite
//! an input, write into a folder it reads, or write one file twice is refused before it starts.
//!
//! Special files (character devices such as `/dev/null`, FIFOs, `/dev/stdout`) are not compared:
//! they are written directly, never replaced (see [`crate::io::atomic::AtomicFile`]).

use crate::error::{Error, Result};
use std::path::{Path, PathBuf};

/// How an input is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Read {
    /// A file, or a folder of fixed files (a model folder): nothing may be written into it.
    Fixed,
    /// A folder read recursively for articles: nothing may be written below it (a later run
    /// would read it as input).
    Scanned,
}

#[derive(Debug, Clone)]
struct Input {
    flag: String,
    path: PathBuf,
    read: Read,
}

#[derive(Debug, Clone)]
struct Output {
    flag: String,
    path: PathBuf,
    /// `Some(names)`: a folder and the files the run writes into it.
    folder: Option<Vec<String>>,
}

/// Where a path is, for comparison: its canonical form (for a path that does not exist yet, its
/// parent's canonical form joined with its name) and, when it exists, its device and inode.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Place {
    canonical: Option<PathBuf>,
    inode: Option<(u64, u64)>,
}

impl Place {
    fn of(path: &Path) -> Self {
        Self {
            canonical: canonical(path),
            inode: inode(path),
        }
    }

    fn same(&self, other: &Place) -> bool {
        matches!((&self.canonical, &other.canonical), (Some(a), Some(b)) if a == b)
            || matches!((self.inode, other.inode), (Some(a), Some(b)) if a == b)
    }

    /// Whether this place lies below the folder `dir` (not equal to it).
    fn inside(&self, dir: &Place) -> bool {
        matches!((&self.canonical, &dir.canonical), (Some(a), Some(b)) if a != b && a.starts_with(b))
    }
}

/// The canonical form of `path`, also when it (or folders above it) do not exist yet: the
/// existing part is resolved by the file system (links followed), the rest is joined with
/// `.` and `..` taken lexically.
fn canonical(path: &Path) -> Option<PathBuf> {
    if let Ok(c) = path.canonicalize() {
        return Some(c);
    }
    let mut out = PathBuf::new();
    let mut on_disk = true;
    for part in std::path::absolute(path).ok()?.components() {
        match part {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                out.pop();
            }
            other => {
                out.push(other);
                if on_disk {
                    match out.canonicalize() {
                        Ok(c) => out = c,
                        Err(_) => on_disk = false,
                    }
                }
            }
        }
    }
    Some(out)
}

#[cfg(unix)]
fn inode(path: &Path) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(path).ok().map(|m| (m.dev(), m.ino()))
}

#[cfg(not(unix))]
fn inode(_path: &Path) -> Option<(u64, u64)> {
    None
}

/// Whether `path` names a special file that is written in place: an existing character or
/// block device, FIFO or socket, or a path under `/dev/` or `/proc/` (such as `/dev/stdout`,
/// which points at whatever standard output is).
pub fn is_special(path: &Path) -> bool {
    if path.starts_with("/dev/") || path.starts_with("/proc/") {
        return true;
    }
    std::fs::metadata(path).is_ok_and(|m| !m.is_file() && !m.is_dir())
}

/// The inputs and outputs of one run; [`RunFiles::check`] refuses overlaps.
#[derive(Debug, Clone, Default)]
pub struct RunFiles {
    inputs: Vec<Input>,
    outputs: Vec<Output>,
}

impl RunFiles {
    pub fn new() -> Self {
        Self::default()
    }

    /// An input file, or a folder of fixed files (a model folder). `-` (standard input) and
    /// paths that do not exist (hub ids; missing files are reported by the reader) are ignored.
    pub fn read(&mut self, flag: &str, path: impl AsRef<Path>) -> &mut Self {
        self.add_input(flag, path.as_ref(), Read::Fixed)
    }

    /// An input that may be a folder read recursively for articles.
    pub fn scan(&mut self, flag: &str, path: impl AsRef<Path>) -> &mut Self {
        self.add_input(flag, path.as_ref(), Read::Scanned)
    }

    /// An output file.
    pub fn write(&mut self, flag: &str, path: impl AsRef<Path>) -> &mut Self {
        self.outputs.push(Output {
            flag: flag.into(),
            path: path.as_ref().to_path_buf(),
            folder: None,
        });
        self
    }

    /// An input given by an optional flag.
    pub fn read_opt(&mut self, flag: &str, path: Option<impl AsRef<Path>>) -> &mut Self {
        match path {
            Some(p) => self.read(flag, p),
            None => self,
        }
    }

    /// An output given by an optional flag.
    pub fn write_opt(&mut self, flag: &str, path: Option<impl AsRef<Path>>) -> &mut Self {
        match path {
            Some(p) => self.write(flag, p),
            None => self,
        }
    }

    /// An output folder and the names of the files (or subfolders) the run writes into it.
    pub fn write_into(&mut self, flag: &str, dir: impl AsRef<Path>, names: &[&str]) -> &mut Self {
        self.outputs.push(Output {
            flag: flag.into(),
            path: dir.as_ref().to_path_buf(),
            folder: Some(names.iter().map(|n| n.to_string()).collect()),
        });
        self
    }

    fn add_input(&mut self, flag: &str, path: &Path, read: Read) -> &mut Self {
        if path.as_os_str() != "-" && path.exists() && !is_special(path) {
            self.inputs.push(Input {
                flag: flag.into(),
                path: path.to_path_buf(),
                read,
            });
        }
        self
    }

    /// Every file the run writes, with the flag that names it (a folder's files as
    /// `FLAG FOLDER/NAME`), special files left out.
    fn written_files(&self) -> Vec<(String, PathBuf)> {
        let mut files = Vec::new();
        for o in &self.outputs {
            match &o.folder {
                None if !is_special(&o.path) => files.push((o.flag.clone(), o.path.clone())),
                None => {}
                Some(names) => files.extend(
                    names
                        .iter()
                        .map(|n| (format!("{} {}", o.flag, o.path.display()), o.path.join(n))),
                ),
            }
        }
        files
    }

    /// Refuses the run when an output is an input, lies inside a folder the run reads, is a
    /// folder the run reads, or is written twice. Nothing has been written when this fails.
    pub fn check(&self) -> Result<()> {
        let inputs: Vec<(&Input, Place)> = self
            .inputs
            .iter()
            .map(|i| (i, Place::of(&i.path)))
            .collect();
        let files: Vec<(String, PathBuf, Place)> = self
            .written_files()
            .into_iter()
            .map(|(flag, p)| {
                let place = Place::of(&p);
                (flag, p, place)
            })
            .collect();
        for o in self.outputs.iter().filter(|o| o.folder.is_some()) {
            let place = Place::of(&o.path);
            for (input, at) in &inputs {
                if place.same(at) || place.inside(at) {
                    return Err(refuse(format!(
                        "{} {} is {} the input {} {}: the run would write into a folder it reads",
                        o.flag,
                        o.path.display(),
                        if place.same(at) {
                            "the same folder as"
                        } else {
                            "inside"
                        },
                        input.flag,
                        input.path.display()
                    )));
                }
            }
        }
        for (flag, path, place) in &files {
            for (input, at) in &inputs {
                if place.same(at) {
                    return Err(refuse(format!(
                        "{flag} {} is also the input {} {}: writing it would destroy the input",
                        path.display(),
                        input.flag,
                        input.path.display()
                    )));
                }
                if place.inside(at) {
                    let why = match input.read {
                        Read::Scanned => "a later run would read it as an article",
                        Read::Fixed => "the run reads that folder",
                    };
                    return Err(refuse(format!(
                        "{flag} {} is inside the input folder {} {} ({why}); write it elsewhere",
                        path.display(),
                        input.flag,
                        input.path.display()
                    )));
                }
            }
        }
        for (k, (flag_a, path_a, a)) in files.iter().enumerate() {
            for (flag_b, _, b) in &files[k + 1..] {
                if a.same(b) {
                    return Err(refuse(format!(
                        "{flag_a} and {flag_b} name one file ({}): one output would replace the other",
                        path_a.display()
                    )));
                }
            }
        }
        Ok(())
    }
}

fn refuse(message: String) -> Error {
    Error::Config(format!("{message}; nothing was written"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dir_with(files: &[&str]) -> tempfile::TempDir {
        let d = tempfile::tempdir().unwrap();
        for f in files {
            let p = d.path().join(f);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, "x").unwrap();
        }
        d
    }

    /// Why `check` refuses these files (it must).
    fn refusal(files: &RunFiles) -> String {
        files.check().unwrap_err().to_string()
    }

    #[test]
    fn an_output_over_an_input_is_refused_in_any_spelling() {
        let d = dir_with(&["data/x.jsonl"]);
        let input = d.path().join("data/x.jsonl");
        let spelled = d.path().join("data/../data/./x.jsonl");
        let e = refusal(
            RunFiles::new()
                .read("--input", &input)
                .write("--output", &spelled),
        );
        assert!(e.contains("would destroy the input"), "{e}");
        assert!(e.contains("--output") && e.contains("--input"), "{e}");
    }

    #[cfg(unix)]
    #[test]
    fn a_hard_link_to_an_input_is_the_input() {
        let d = dir_with(&["a.jsonl"]);
        let link = d.path().join("b.jsonl");
        std::fs::hard_link(d.path().join("a.jsonl"), &link).unwrap();
        let e = RunFiles::new()
            .read("--data", d.path().join("a.jsonl"))
            .write("--report", &link)
            .check();
        assert!(e.is_err());
    }

    #[test]
    fn outputs_inside_read_folders_and_folders_over_inputs_are_refused() {
        let d = dir_with(&["articles/a.txt", "model/stance.json", "tables/in.csv"]);
        let p = d.path();
        let e = refusal(
            RunFiles::new()
                .scan("INPUT", p.join("articles"))
                .write("--output", p.join("articles/out.jsonl")),
        );
        assert!(e.contains("a later run would read it"), "{e}");
        assert!(RunFiles::new()
            .read("--model", p.join("model"))
            .write("--report", p.join("model/report.json"))
            .check()
            .is_err());
        let e = refusal(RunFiles::new().read("--base", p.join("model")).write_into(
            "--out",
            p.join("model"),
            &["model.safetensors"],
        ));
        assert!(e.contains("the same folder as"), "{e}");
        // A folder output whose files include an input.
        assert!(RunFiles::new()
            .read("INPUT", p.join("tables/in.csv"))
            .write_into("--tables", p.join("tables"), &["in.csv", "overview.csv"])
            .check()
            .is_err());
        // The same folder with other names is fine.
        RunFiles::new()
            .read("INPUT", p.join("tables/in.csv"))
            .write_into("--tables", p.join("tables"), &["overview.csv"])
            .check()
            .unwrap();
    }

    #[test]
    fn two_outputs_on_one_file_are_refused() {
        let d = dir_with(&[]);
        let p = d.path();
        let e = refusal(
            RunFiles::new()
                .write("--report", p.join("r.json"))
                .write("--predictions", p.join("./r.json")),
        );
        assert!(
            e.contains("--report and --predictions name one file"),
            "{e}"
        );
        // Also when the folder does not exist yet.
        assert!(RunFiles::new()
            .write("--output", p.join("t/overview.csv"))
            .write_into("--tables", p.join("t/./x/.."), &["overview.csv"])
            .check()
            .is_err());
    }

    #[test]
    fn special_files_and_stdin_are_not_compared() {
        RunFiles::new()
            .read("INPUT", "-")
            .write("--report", "/dev/null")
            .write("--predictions", "/dev/null")
            .check()
            .unwrap();
        assert!(is_special(Path::new("/dev/stdout")));
        assert!(!is_special(Path::new("out.jsonl")));
    }

    #[test]
    fn separate_files_pass() {
        let d = dir_with(&["in.jsonl"]);
        let p = d.path();
        RunFiles::new()
            .read("--data", p.join("in.jsonl"))
            .write("--report", p.join("r.json"))
            .write("--predictions", p.join("p.jsonl"))
            .check()
            .unwrap();
    }
}
