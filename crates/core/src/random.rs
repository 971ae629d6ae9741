//! Random values, always from the operating system's CSPRNG.

/// Fills `buf` from the OS CSPRNG.
///
/// # Panics
///
/// Only if the operating system cannot provide randomness at all, in which
/// case no secure value can be made and continuing would be worse.
pub fn fill(buf: &mut [u8]) {
    #[allow(clippy::expect_used)]
    getrandom::fill(buf).expect("the operating system's random number generator failed");
}

/// `N` random bytes.
pub fn bytes<const N: usize>() -> [u8; N] {
    let mut b = [0u8; N];
    fill(&mut b);
    b
}

/// `n` random bytes as lower-case hex (`2n` characters).
pub fn hex(n: usize) -> String {
    let mut b = vec![0u8; n];
    fill(&mut b);
    to_hex(&b)
}

/// Lower-case hex of `bytes`.
pub fn to_hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[(b >> 4) as usize] as char);
        s.push(DIGITS[(b & 0xf) as usize] as char);
    }
    s
}

/// A random UUID v4 in its hyphenated lower-case form.
pub fn uuid() -> String {
    uuid::Builder::from_random_bytes(bytes::<16>())
        .into_uuid()
        .hyphenated()
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_has_the_right_shape_and_varies() {
        let a = hex(32);
        let b = hex(32);
        assert_eq!(a.len(), 64);
        assert!(
            a.bytes()
                .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
        );
        assert_ne!(a, b);
    }

    #[test]
    fn uuid_is_v4() {
        let u = uuid();
        assert_eq!(u.len(), 36);
        assert_eq!(u.as_bytes()[14], b'4');
    }

    #[test]
    fn to_hex_known_value() {
        assert_eq!(to_hex(&[0x00, 0xff, 0x1a]), "00ff1a");
    }
}
