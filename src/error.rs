//! Typed library errors. Every error that comes from user input names the file, the line and the
//! field where it can; the binary adds context with `anyhow`.

use std::path::PathBuf;

/// Result alias used across the library.
pub type Result<T> = std::result::Result<T, Error>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
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
    /// Tensor library failure.
    #[error("tensor: {0}")]
    Candle(#[from] candle_core::Error),
    /// Training diverged (NaN or infinite loss).
    #[error("training diverged: {0}")]
    Diverged(String),
    /// The work was interrupted (Ctrl-C); finished outputs were kept.
    #[error("interrupted")]
    Interrupted,
}

impl Error {
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
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
