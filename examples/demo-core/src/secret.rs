//! The secret: `AUTH_SECRET`, or a development secret the demo makes once
//! and keeps in its data directory.

use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::{DemoError, Settings};

/// Where the demo's secret comes from.
#[derive(Clone)]
pub enum SecretSource {
    /// `AUTH_SECRET` (or `NEXTAUTH_SECRET`), read by keyway itself.
    Env,
    /// A development secret kept in a file.
    DevFile {
        /// The file.
        path: PathBuf,
        /// Whether this start made it.
        created: bool,
        /// The secret.
        secret: String,
    },
}

impl fmt::Debug for SecretSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Env => f.write_str("Env"),
            Self::DevFile { path, created, .. } => f
                .debug_struct("DevFile")
                .field("path", path)
                .field("created", created)
                .finish_non_exhaustive(),
        }
    }
}

/// The shortest kept secret the demo reuses; anything shorter is replaced.
const MIN_LEN: usize = 32;

pub(crate) fn resolve(settings: &Settings) -> Result<SecretSource, DemoError> {
    if settings.secret_in_env {
        return Ok(SecretSource::Env);
    }
    let path = settings.dev_secret_path();
    if let Ok(kept) = std::fs::read_to_string(&path) {
        let kept = kept.trim();
        if kept.len() >= MIN_LEN {
            return Ok(SecretSource::DevFile {
                path,
                created: false,
                secret: kept.to_owned(),
            });
        }
    }
    let secret = keyway::random::hex(32);
    write_private(&path, &secret).map_err(|e| {
        DemoError(format!(
            "AUTH_SECRET is not set and the development secret cannot be written to {}: {e} \
             (set AUTH_SECRET, or DEMO_DATA_DIR to a writable directory)",
            path.display()
        ))
    })?;
    Ok(SecretSource::DevFile {
        path,
        created: true,
        secret,
    })
}

/// Writes `contents` to a new file readable by its owner only.
fn write_private(path: &Path, contents: &str) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(contents.as_bytes())?;
    file.write_all(b"\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(dir: &Path) -> Settings {
        let mut s = Settings::from_vars(crate::TEST_FRAMEWORK, |_| None).unwrap();
        s.data_dir = dir.to_owned();
        s
    }

    #[test]
    fn made_once_then_kept() {
        let dir = std::env::temp_dir().join(format!("demo-core-secret-{}", keyway::random::hex(6)));
        let s = settings(&dir);
        let SecretSource::DevFile {
            secret,
            created: true,
            path,
        } = resolve(&s).unwrap()
        else {
            panic!("expected a new development secret");
        };
        assert_eq!(secret.len(), 64);
        assert_eq!(path, dir.join("dev-secret"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let SecretSource::DevFile {
            secret: again,
            created: false,
            ..
        } = resolve(&s).unwrap()
        else {
            panic!("expected the kept secret");
        };
        assert_eq!(again, secret);
        // A damaged file is replaced.
        std::fs::write(&path, "short").unwrap();
        let SecretSource::DevFile {
            secret: third,
            created: true,
            ..
        } = resolve(&s).unwrap()
        else {
            panic!("expected a replaced secret");
        };
        assert_ne!(third, secret);
        assert!(!format!("{:?}", resolve(&s).unwrap()).contains(&third));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn env_secret_wins() {
        let mut s = settings(Path::new("/nonexistent/never-written"));
        s.secret_in_env = true;
        assert!(matches!(resolve(&s).unwrap(), SecretSource::Env));
    }
}
