//! `ensure!`: a case's assertion, failing the case with a message instead of
//! panicking.

/// Fails the case with the formatted message unless `cond` holds.
macro_rules! ensure {
    ($cond:expr, $($msg:tt)+) => {
        if !$cond {
            return Err(format!($($msg)+));
        }
    };
}

pub(crate) use ensure;
