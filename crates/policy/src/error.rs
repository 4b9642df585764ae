//! Load errors that name the file, line and column.

use std::fmt;
use std::path::{Path, PathBuf};

/// Where in a file a problem is.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Location {
    /// 1-based line (the header is line 1); `None` for whole-file problems.
    pub line: Option<u64>,
    /// 1-based column (the field's position in the row, or the character
    /// column in TOML) and its name when known.
    pub column: Option<(usize, String)>,
}

/// A policy or event file that cannot be loaded. Nothing is half-loaded: the
/// caller gets either the whole policy or this.
#[derive(Debug)]
pub struct LoadError {
    path: PathBuf,
    loc: Location,
    message: String,
    kind: ErrorKind,
    /// The I/O error behind a file that could not be read.
    source: Option<std::io::Error>,
}

/// What kind of failure a [`LoadError`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The input is malformed (exit status 2).
    BadInput,
    /// The file could not be read (exit status 1 unless it is missing).
    Io,
}

impl LoadError {
    pub(crate) fn new(path: &Path, loc: Location, message: impl Into<String>) -> LoadError {
        LoadError {
            path: path.to_path_buf(),
            loc,
            message: message.into(),
            kind: ErrorKind::BadInput,
            source: None,
        }
    }

    pub(crate) fn at_line(path: &Path, line: u64, message: impl Into<String>) -> LoadError {
        LoadError::new(
            path,
            Location {
                line: Some(line),
                column: None,
            },
            message,
        )
    }

    pub(crate) fn at(
        path: &Path,
        line: u64,
        col: usize,
        name: &str,
        message: impl Into<String>,
    ) -> LoadError {
        LoadError::new(
            path,
            Location {
                line: Some(line),
                column: Some((col, name.to_string())),
            },
            message,
        )
    }

    /// An error reading `path`: a missing file is bad input, other failures
    /// are I/O errors.
    pub fn from_io(path: &Path, err: std::io::Error) -> LoadError {
        LoadError::io(path, err)
    }

    pub(crate) fn io(path: &Path, err: std::io::Error) -> LoadError {
        let kind = if err.kind() == std::io::ErrorKind::NotFound {
            ErrorKind::BadInput
        } else {
            ErrorKind::Io
        };
        LoadError {
            path: path.to_path_buf(),
            loc: Location::default(),
            message: format!("cannot read: {}", err.to_string().to_lowercase()),
            kind,
            source: Some(err),
        }
    }

    /// An I/O failure other than reading (writing a snapshot made from
    /// `path`): exit status 1.
    pub(crate) fn other_io(path: &Path, message: impl Into<String>) -> LoadError {
        LoadError {
            path: path.to_path_buf(),
            loc: Location::default(),
            message: message.into(),
            kind: ErrorKind::Io,
            source: None,
        }
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Where in the file.
    pub fn location(&self) -> &Location {
        &self.loc
    }

    /// The message alone, lower case, user input in backticks.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// Bad input or I/O failure.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.path.display())?;
        if let Some(line) = self.loc.line {
            write!(f, ":{line}")?;
        }
        if let Some((col, name)) = &self.loc.column {
            if name.is_empty() {
                write!(f, ": column {col}")?;
            } else {
                write!(f, ": column {col} ({name})")?;
            }
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for LoadError {
    /// The I/O error, when the file could not be read.
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_ref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}

/// Why a command failed, with the exit status it maps to: the one mapping
/// of the `chanrac` command and the adapters.
///
/// | variant | exit status |
/// |---|---|
/// | [`Failure::BadInput`] | 2: bad input or usage (a malformed or missing file, a bad flag) |
/// | [`Failure::Other`] | 1: anything else (an I/O error, a socket that cannot be bound) |
///
/// A [`LoadError`] converts by its [`ErrorKind`]: bad input gives
/// `BadInput`, anything else `Other`.
///
/// ```
/// use chanrac_policy::Failure;
///
/// let f = Failure::from(chanrac_policy::load("no/such/policy".as_ref()).unwrap_err());
/// assert_eq!(f.exit_code(), 2);
/// assert!(f.to_string().starts_with("no/such/policy"));
/// assert_eq!(Failure::Other("cannot listen".into()).exit_code(), 1);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Failure {
    /// Bad input or usage: exit status 2.
    BadInput(String),
    /// Anything else: exit status 1.
    Other(String),
}

impl Failure {
    /// The process exit status: 2 for [`Failure::BadInput`], 1 otherwise.
    pub fn exit_code(&self) -> u8 {
        match self {
            Failure::BadInput(_) => 2,
            Failure::Other(_) => 1,
        }
    }

    /// The message, without the `error: ` a program prints before it.
    pub fn message(&self) -> &str {
        match self {
            Failure::BadInput(m) | Failure::Other(m) => m,
        }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message())
    }
}

impl std::error::Error for Failure {}

impl From<LoadError> for Failure {
    fn from(e: LoadError) -> Failure {
        match e.kind() {
            ErrorKind::BadInput => Failure::BadInput(e.to_string()),
            _ => Failure::Other(e.to_string()),
        }
    }
}

#[cfg(test)]
mod source_tests {
    use super::*;
    use std::error::Error as _;

    #[test]
    fn an_unreadable_file_keeps_its_io_error_as_the_source() {
        let e = LoadError::from_io(
            Path::new("dnc.csv"),
            std::io::Error::new(std::io::ErrorKind::PermissionDenied, "denied"),
        );
        assert_eq!(e.kind(), ErrorKind::Io);
        let source = e.source().map(|s| s.to_string());
        assert_eq!(source.as_deref(), Some("denied"));
        let bad = LoadError::at_line(Path::new("dnc.csv"), 3, "bad number");
        assert!(bad.source().is_none());
    }

    #[test]
    fn a_load_error_fails_with_the_status_of_its_kind() {
        let io = LoadError::from_io(
            Path::new("dnc.csv"),
            std::io::Error::new(std::io::ErrorKind::PermissionDenied, "denied"),
        );
        let missing = LoadError::from_io(
            Path::new("dnc.csv"),
            std::io::Error::new(std::io::ErrorKind::NotFound, "gone"),
        );
        let bad = LoadError::at_line(Path::new("dnc.csv"), 3, "bad number");
        assert_eq!(Failure::from(io).exit_code(), 1);
        assert_eq!(Failure::from(missing).exit_code(), 2);
        let bad = Failure::from(bad);
        assert_eq!(bad.exit_code(), 2);
        assert_eq!(bad.to_string(), "dnc.csv:3: bad number");
    }
}
