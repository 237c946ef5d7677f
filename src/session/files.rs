//! Files PortSleuth reads and writes, done carefully: input is size-checked before it is
//! read; output is written atomically (a temporary file in the same folder, flushed, then
//! renamed over the target) so that a full disk or a crash never leaves a half-written file;
//! and an output path is checked before anything is done, so a special file — a device, a
//! FIFO, a link to one — is never replaced.

use super::SessionError;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

/// The largest input read. Error texts are small; logs can be big; beyond this the tail is cut
/// with a note rather than exhausting memory.
pub const MAX_INPUT: u64 = 64 << 20;

/// Reads at most [`MAX_INPUT`] bytes; the flag says whether more was left unread.
pub fn read_limited(reader: impl Read) -> std::io::Result<(Vec<u8>, bool)> {
    read_limited_sized(reader, 0)
}

/// [`read_limited`] into a buffer made `size` bytes big at once (a file's length), so a big
/// file is not copied again at each doubling.
fn read_limited_sized(mut reader: impl Read, size: u64) -> std::io::Result<(Vec<u8>, bool)> {
    let capacity = usize::try_from(size.min(MAX_INPUT)).unwrap_or(0);
    let mut bytes = Vec::with_capacity(capacity.saturating_add(1));
    reader.by_ref().take(MAX_INPUT).read_to_end(&mut bytes)?;
    let mut probe = [0u8; 1];
    let more = reader.read(&mut probe)? > 0;
    Ok((bytes, more))
}

/// Reads a file of at most [`MAX_INPUT`] bytes (and whether more was left unread).
pub fn read_file_limited(path: &Path) -> Result<(Vec<u8>, bool), SessionError> {
    let input = |why: String| SessionError::Input(format!("{}: {why}", path.display()));
    let file = std::fs::File::open(path).map_err(|e| input(format!("cannot open it ({e})")))?;
    let meta = file.metadata().map_err(|e| input(e.to_string()))?;
    if meta.is_dir() {
        return Err(input("is a folder, not a file".into()));
    }
    read_limited_sized(file, meta.len()).map_err(|e| input(format!("cannot read it ({e})")))
}

/// Where output goes: a file, or standard output when the user wrote `-`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Destination {
    Stdout,
    File(PathBuf),
}

impl Destination {
    pub fn from_arg(path: Option<&Path>) -> Destination {
        match path {
            None => Destination::Stdout,
            Some(p) if p.as_os_str() == "-" => Destination::Stdout,
            Some(p) => Destination::File(p.to_path_buf()),
        }
    }

    pub fn path(&self) -> Option<&Path> {
        match self {
            Destination::Stdout => None,
            Destination::File(p) => Some(p),
        }
    }
}

/// Whether `path` may be written: a regular file that exists only with `replace`, never a
/// folder, a device, a FIFO, a socket or a link that leads to one (a link that leads nowhere
/// counts as existing). Checked before any work is done, so nothing is done that cannot be
/// recorded.
pub fn check_writable(path: &Path, replace: bool) -> Result<(), SessionError> {
    let refuse = |why: &str| SessionError::Usage(format!("{}: {why}", path.display()));
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let Ok(link) = std::fs::symlink_metadata(path) else {
        if !dir.is_dir() {
            return Err(refuse("its folder does not exist"));
        }
        return can_create_in(&dir).map_err(|e| refuse(&e));
    };
    if link.is_dir() {
        return Err(refuse("is a folder; name a file"));
    }
    if !link.file_type().is_symlink() && !link.is_file() {
        return Err(refuse(
            "is not a regular file (a device, FIFO or socket); PortSleuth never replaces those",
        ));
    }
    if link.file_type().is_symlink() {
        if let Ok(target) = std::fs::metadata(path) {
            if !target.is_file() {
                return Err(refuse("is a link to something that is not a regular file; PortSleuth never replaces those"));
            }
        }
    }
    if !replace {
        return Err(refuse("already exists; pass --force to replace it"));
    }
    can_create_in(&dir).map_err(|e| refuse(&e))
}

/// Whether a file can be made in `dir` (the atomic write needs one beside the target): a
/// read-only folder or disk is found out before anything is done, not after.
fn can_create_in(dir: &Path) -> Result<(), String> {
    tempfile::Builder::new()
        .prefix(".portsleuth-probe.")
        .tempfile_in(dir)
        .map(drop)
        .map_err(|e| format!("cannot write in its folder ({e})"))
}

/// Writes `bytes` to `path` through a temporary file in the same folder, flushed and renamed
/// into place: readers see the old file or the new one, never a part.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), SessionError> {
    let failed = |e: std::io::Error| SessionError::Write {
        path: path.display().to_string(),
        reason: e.to_string(),
    };
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "output".into());
    let mut tmp = tempfile::Builder::new()
        .prefix(&format!(".{name}."))
        .suffix(".portsleuth.tmp")
        .tempfile_in(&dir)
        .map_err(failed)?;
    tmp.write_all(bytes).map_err(failed)?;
    tmp.as_file().sync_all().map_err(failed)?;
    tmp.persist(path).map_err(|e| failed(e.error))?;
    Ok(())
}

/// Writes to a file atomically, or to standard output.
pub fn emit(to: &Destination, text: &str) -> Result<(), SessionError> {
    match to {
        Destination::File(path) => write_atomic(path, text.as_bytes()),
        Destination::Stdout => {
            let mut stdout = std::io::stdout().lock();
            match stdout
                .write_all(text.as_bytes())
                .and_then(|()| stdout.flush())
            {
                // A closed pipe (`| head`) is not an error worth a message.
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
                Err(e) => Err(SessionError::Write {
                    path: "standard output".into(),
                    reason: e.to_string(),
                }),
                Ok(()) => Ok(()),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atomic_write_replaces_and_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("report.txt");
        write_atomic(&path, b"old").expect("first write");
        write_atomic(&path, b"new").expect("second write");
        assert_eq!(std::fs::read(&path).expect("read back"), b"new");
        assert_eq!(std::fs::read_dir(dir.path()).expect("list").count(), 1);
    }

    #[test]
    fn a_failed_write_names_the_path_and_keeps_nothing_half_written() {
        let dir = tempfile::tempdir().expect("temp dir");
        let missing = dir.path().join("no-such-folder").join("r.txt");
        let err = write_atomic(&missing, b"x").expect_err("folder is missing");
        assert!(err.to_string().contains("no-such-folder"), "{err}");
    }

    #[cfg(unix)]
    #[test]
    fn special_files_and_existing_files_are_refused_before_anything_is_done() {
        let dir = tempfile::tempdir().expect("temp dir");
        assert!(check_writable(Path::new("/dev/null"), true).is_err());
        let link = dir.path().join("link");
        std::os::unix::fs::symlink("/dev/null", &link).expect("link");
        assert!(check_writable(&link, true).is_err());
        let dangling = dir.path().join("dangling");
        std::os::unix::fs::symlink(dir.path().join("nowhere"), &dangling).expect("link");
        assert!(check_writable(&dangling, false).is_err());
        let file = dir.path().join("r.json");
        std::fs::write(&file, "{}").expect("write");
        assert!(check_writable(&file, false).is_err());
        assert!(check_writable(&file, true).is_ok());
        assert!(check_writable(&dir.path().join("new.json"), false).is_ok());
        assert!(check_writable(&dir.path().join("no/new.json"), true).is_err());
        assert_eq!(
            Destination::from_arg(Some(Path::new("-"))),
            Destination::Stdout
        );
    }
}
