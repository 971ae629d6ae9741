//! The `msrv` step of `cargo xtask ci`: one minimum Rust version for the
//! workspace, honest without a second toolchain.
//!
//! Only one toolchain exists where CI runs, so the check cannot build with an
//! older compiler. It checks what decides the minimum instead:
//! - the workspace's `rust-version` is at least every dependency's
//!   `rust_version` as `cargo metadata` reports it (a dependency that needs a
//!   newer Rust makes the declared value a lie);
//! - every member inherits it (`rust-version.workspace = true`), so there is
//!   one value to keep right;
//! - and clippy's `incompatible_msrv` lint, which reads `rust-version`, runs
//!   in the `clippy` step with `-D warnings`: code that calls a standard
//!   library API newer than the declared version fails there.

use std::path::Path;
use std::process::Command;

use crate::Result;

/// A `major.minor[.patch]` version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Version(u32, u32, u32);

impl Version {
    pub(crate) fn parse(text: &str) -> Option<Self> {
        let mut parts = text.trim().split('.');
        let major = parts.next()?.parse().ok()?;
        let minor = parts.next()?.parse().ok()?;
        let patch = match parts.next() {
            Some(p) => p.parse().ok()?,
            None => 0,
        };
        parts.next().is_none().then_some(Self(major, minor, patch))
    }
}

impl std::fmt::Display for Version {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}.{}", self.0, self.1, self.2)
    }
}

/// Runs the whole check from the workspace root.
pub(crate) fn run(root: &Path) -> Result {
    let declared = workspace_rust_version(root)?;
    let members = members(root)?;
    let not_inheriting: Vec<String> = members
        .iter()
        .filter(|dir| !inherits(&root.join(dir).join("Cargo.toml")))
        .cloned()
        .collect();
    if !not_inheriting.is_empty() {
        return Err(format!(
            "these members do not inherit the workspace's rust-version \
             (write `rust-version.workspace = true`): {}",
            not_inheriting.join(", ")
        ));
    }
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let output = Command::new(cargo)
        .args(["metadata", "--format-version", "1", "--locked"])
        .current_dir(root)
        .output()
        .map_err(|e| format!("cannot run cargo metadata: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "cargo metadata failed: {}",
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    let metadata = String::from_utf8_lossy(&output.stdout);
    let needs = rust_versions(&metadata);
    if needs.is_empty() {
        return Err("cargo metadata reported no rust_version at all".to_owned());
    }
    let newer: Vec<String> = needs
        .iter()
        .filter(|(_, v)| *v > declared)
        .map(|(id, v)| format!("{id} needs {v}"))
        .collect();
    if !newer.is_empty() {
        return Err(format!(
            "the workspace's rust-version {declared} is older than what dependencies need \
             (raise it in Cargo.toml's [workspace.package]): {}",
            newer.join("; ")
        ));
    }
    println!(
        "  rust-version {declared}: {} members inherit it, {} packages declare one, none newer",
        members.len(),
        needs.len()
    );
    Ok(())
}

/// `rust-version` of the root manifest's `[workspace.package]`.
fn workspace_rust_version(root: &Path) -> Result<Version> {
    let text = std::fs::read_to_string(root.join("Cargo.toml"))
        .map_err(|e| format!("cannot read Cargo.toml: {e}"))?;
    let mut section = String::new();
    for line in text.lines().map(str::trim) {
        if line.starts_with('[') {
            line.clone_into(&mut section);
        } else if section == "[workspace.package]"
            && let Some(value) = line.strip_prefix("rust-version")
            && let Some(value) = value.trim_start().strip_prefix('=')
        {
            let value = value.trim().trim_matches('"');
            return Version::parse(value)
                .ok_or_else(|| format!("the workspace's rust-version `{value}` is not a version"));
        }
    }
    Err("Cargo.toml's [workspace.package] has no rust-version".to_owned())
}

/// The member directories listed in the root manifest.
fn members(root: &Path) -> Result<Vec<String>> {
    let text = std::fs::read_to_string(root.join("Cargo.toml"))
        .map_err(|e| format!("cannot read Cargo.toml: {e}"))?;
    let start = text
        .find("members = [")
        .ok_or("Cargo.toml lists no workspace members")?;
    let rest = &text[start + "members = [".len()..];
    let end = rest
        .find(']')
        .ok_or("Cargo.toml's members list is not closed")?;
    Ok(rest[..end]
        .lines()
        .map(|l| l.split('#').next().unwrap_or("").trim())
        .filter_map(|l| {
            let l = l.trim_end_matches(',').trim();
            (l.len() > 2).then(|| l.trim_matches('"').to_owned())
        })
        .collect())
}

/// Whether the manifest says `rust-version.workspace = true`.
fn inherits(manifest: &Path) -> bool {
    std::fs::read_to_string(manifest).is_ok_and(|text| {
        text.lines().any(|l| {
            let l: String = l.chars().filter(|c| !c.is_whitespace()).collect();
            l == "rust-version.workspace=true"
        })
    })
}

/// Every `(package id, rust_version)` in `cargo metadata`'s JSON. A
/// package's `rust_version` comes after its `id` and before the next
/// package's, and nothing else in the output has an `"id"` key.
pub(crate) fn rust_versions(metadata: &str) -> Vec<(String, Version)> {
    const ID: &str = "\"id\":\"";
    const RUST_VERSION: &str = "\"rust_version\":\"";
    let mut found = Vec::new();
    let mut rest = metadata;
    while let Some(at) = rest.find(RUST_VERSION) {
        let before = &rest[..at];
        let id = before
            .rfind(ID)
            .and_then(|i| before[i + ID.len()..].split('"').next())
            .unwrap_or("?")
            .to_owned();
        let after = &rest[at + RUST_VERSION.len()..];
        let value = after.split('"').next().unwrap_or("");
        if let Some(v) = Version::parse(value) {
            found.push((id, v));
        }
        rest = after;
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_compare_as_numbers() {
        assert!(Version::parse("1.94").unwrap() > Version::parse("1.88.0").unwrap());
        assert!(Version::parse("1.100").unwrap() > Version::parse("1.94.1").unwrap());
        assert_eq!(Version::parse("1.94"), Version::parse("1.94.0"));
        assert_eq!(Version::parse("1.x"), None);
        assert_eq!(Version::parse("1.2.3.4"), None);
    }

    #[test]
    fn reads_each_packages_rust_version_with_its_id() {
        let json = r#"{"packages":[{"name":"a","version":"1.0.0","id":"reg#a@1.0.0","dependencies":[{"name":"b"}],"rust_version":"1.70"},{"name":"b","version":"2.0.0","id":"reg#b@2.0.0","rust_version":null},{"name":"c","version":"0.1.0","id":"reg#c@0.1.0","rust_version":"1.94.0"}]}"#;
        assert_eq!(
            rust_versions(json),
            [
                ("reg#a@1.0.0".to_owned(), Version(1, 70, 0)),
                ("reg#c@0.1.0".to_owned(), Version(1, 94, 0))
            ]
        );
    }

    /// The real workspace passes: its rust-version covers every dependency
    /// and every member inherits it.
    #[test]
    fn the_workspace_passes() {
        run(&crate::workspace_root()).unwrap();
    }

    #[test]
    fn a_member_with_its_own_rust_version_is_found() {
        let dir = std::env::temp_dir().join(format!("keyway-msrv-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let manifest = dir.join("Cargo.toml");
        std::fs::write(
            &manifest,
            "[package]\nname = \"x\"\nrust-version = \"1.80\"\n",
        )
        .unwrap();
        assert!(!inherits(&manifest));
        std::fs::write(&manifest, "[package]\nrust-version.workspace = true\n").unwrap();
        assert!(inherits(&manifest));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
