//! Typed library errors. Every error that comes from user input names the file, the line and the
//! field where it can; the binary adds context with `anyhow`.

use std::path::PathBuf;

/// Result alias used across the library.
pub type Result<T> = std::result::Result<T, Error>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file could not be read or written. The I/O error is part of the message and not also a
    /// `source()`, so that a printed chain of causes (`{:#}`) says it once; [`Error::io_kind`] gives
    /// its kind.
    #[error("{}: {cause}", path.display())]
    Io {
        path: PathBuf,
        cause: std::io::Error,
    },
    /// A record in an input file is malformed: names the file, the 1-based line and the field.
    #[error("{}:{line}: field `{field}`: {message}", path.display())]
    Record {
        path: PathBuf,
        line: usize,
        field: String,
        message: String,
    },
    /// An input file as a whole is unusable (empty, no examples, unknown format).
    #[error("{}: {message}", path.display())]
    Input { path: PathBuf, message: String },
    /// A model directory or weights file is missing, corrupt or inconsistent.
    #[error("model {}: {message}", path.display())]
    Model { path: PathBuf, message: String },
    /// A hub id could not be resolved to local files.
    #[error("cannot resolve `{id}`: {message}")]
    Hub { id: String, message: String },
    /// Invalid settings (flags, configs) detected before work starts.
    #[error("{0}")]
    Config(String),
    /// Tokenizer failure.
    #[error("tokenizer: {0}")]
    Tokenizer(String),
    /// Tensor library failure (in the message, not also a `source()`, as for [`Error::Io`]).
    #[error("tensor: {0}")]
    Candle(candle_core::Error),
    /// Training diverged (NaN or infinite loss).
    #[error("training diverged: {0}")]
    Diverged(String),
    /// The work was interrupted (Ctrl-C); finished outputs were kept.
    #[error("interrupted")]
    Interrupted,
    /// The model failed on a chunk of work (not the input's fault as far as can be told).
    #[error("{0}")]
    Inference(String),
    /// A report, chart or table could not be rendered.
    #[error("{what}: {message}")]
    Render { what: &'static str, message: String },
    /// A thread pool could not be started (the system refused threads).
    #[error("thread pool: {0}")]
    ThreadPool(String),
    /// A lock was poisoned by a panic on another thread: a bug, not a setting.
    #[error("internal: the lock on {0} was poisoned by a panic on another thread")]
    PoisonedLock(&'static str),
    /// A structure that cannot fail to build did (a bug): the gazetteer's matcher, metadata.
    #[error("internal: {0}")]
    Internal(String),
}

impl From<candle_core::Error> for Error {
    fn from(e: candle_core::Error) -> Self {
        Error::Candle(e)
    }
}

/// Formatting into a `String` (reports, tables): fails only if a `Display` implementation does.
impl From<std::fmt::Error> for Error {
    fn from(e: std::fmt::Error) -> Self {
        Error::Render {
            what: "formatted text",
            message: e.to_string(),
        }
    }
}

impl Error {
    pub fn io(path: impl Into<PathBuf>, cause: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            cause,
        }
    }
    /// The kind of the I/O error behind this one, if it is one (e.g. a closed pipe).
    pub fn io_kind(&self) -> Option<std::io::ErrorKind> {
        match self {
            Error::Io { cause, .. } => Some(cause.kind()),
            _ => None,
        }
    }
    pub fn record(
        path: impl Into<PathBuf>,
        line: usize,
        field: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Error::Record {
            path: path.into(),
            line,
            field: field.into(),
            message: message.into(),
        }
    }
    pub fn model(path: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        Error::Model {
            path: path.into(),
            message: message.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Error;

    #[test]
    fn a_printed_chain_says_each_cause_once() {
        let io = std::io::Error::new(std::io::ErrorKind::NotFound, "gone");
        let e = anyhow::Error::new(Error::io("a.jsonl", io)).context("reading a.jsonl");
        assert_eq!(format!("{e:#}"), "reading a.jsonl: a.jsonl: gone");
        let t: Error = candle_core::Error::Msg("bad shape".into()).into();
        let e = anyhow::Error::new(t).context("scoring");
        assert_eq!(format!("{e:#}"), "scoring: tensor: bad shape");
    }

    #[test]
    fn failures_that_are_not_settings_say_what_failed() {
        let kinds = [
            (
                Error::PoisonedLock("the model's variables"),
                "internal: the lock on the model's variables was poisoned",
            ),
            (
                Error::Render {
                    what: "a chart",
                    message: "no room".into(),
                },
                "a chart: no room",
            ),
            (
                Error::Inference("the model failed".into()),
                "the model failed",
            ),
            (
                Error::Model {
                    path: "m".into(),
                    message: "weight w missing".into(),
                },
                "model m: weight w missing",
            ),
        ];
        for (e, want) in kinds {
            assert!(!matches!(e, Error::Config(_)));
            assert!(e.to_string().starts_with(want), "{e}");
            assert_eq!(e.io_kind(), None);
        }
    }

    #[test]
    fn an_io_error_keeps_its_kind() {
        let pipe = std::io::Error::new(std::io::ErrorKind::BrokenPipe, "closed");
        assert_eq!(
            Error::io("-", pipe).io_kind(),
            Some(std::io::ErrorKind::BrokenPipe)
        );
        assert_eq!(Error::Interrupted.io_kind(), None);
    }
}
