//! The languages of the built-in pages and every text they show.

/// A language the built-in pages are written in.
///
/// Pick it from the configuration, or from the request:
///
/// ```
/// use keyway_core::pages::Locale;
///
/// let configured: Option<Locale> = None;
/// let header = "fr-CH, fr;q=0.9, ko-KR;q=0.8, en;q=0.7";
/// let locale = configured
///     .or_else(|| Locale::from_accept_language(header))
///     .unwrap_or_default();
/// assert_eq!(locale, Locale::Ko);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Locale {
    /// English (the default).
    #[default]
    En,
    /// Korean.
    Ko,
    /// Japanese.
    Ja,
}

/// The book's code reference exists in every language the pages speak.
impl From<Locale> for crate::codes::DocsLanguage {
    fn from(locale: Locale) -> Self {
        match locale {
            Locale::En => Self::En,
            Locale::Ko => Self::Ko,
            Locale::Ja => Self::Ja,
        }
    }
}

impl Locale {
    /// Every supported locale.
    pub const ALL: [Locale; 3] = [Locale::En, Locale::Ko, Locale::Ja];

    /// The BCP 47 primary language subtag: `"en"`, `"ko"` or `"ja"` (the
    /// page's `<html lang>`).
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::En => "en",
            Self::Ko => "ko",
            Self::Ja => "ja",
        }
    }

    /// Reads a language tag by its primary subtag, case-insensitively:
    /// `ko-KR` and `ko` are Korean, `ja_JP` is Japanese. Unsupported
    /// languages and `*` are `None`.
    pub fn parse(tag: &str) -> Option<Locale> {
        let primary = tag.trim().split(['-', '_']).next().unwrap_or("");
        Self::ALL
            .into_iter()
            .find(|l| l.as_str().eq_ignore_ascii_case(primary))
    }

    /// The supported locale the visitor prefers most, from an
    /// `Accept-Language` header: entries are ranked by their `q` value
    /// (default 1, ties in header order); `q=0` and malformed entries are
    /// skipped. `None` when no entry names a supported language.
    pub fn from_accept_language(header: &str) -> Option<Locale> {
        let mut best: Option<(f32, Locale)> = None;
        for entry in header.split(',') {
            let mut parts = entry.split(';');
            let Some(locale) = parts.next().and_then(Locale::parse) else {
                continue;
            };
            let Some(q) = quality(parts) else { continue };
            if q > 0.0 && best.is_none_or(|(best_q, _)| q > best_q) {
                best = Some((q, locale));
            }
        }
        best.map(|(_, locale)| locale)
    }

    /// The texts in this language.
    pub(crate) const fn messages(self) -> &'static Messages {
        match self {
            Self::En => &EN,
            Self::Ko => &KO,
            Self::Ja => &JA,
        }
    }
}

/// The `q` parameter of one `Accept-Language` entry (1 when absent), or
/// `None` when it is malformed or out of range.
fn quality<'a>(params: impl Iterator<Item = &'a str>) -> Option<f32> {
    let mut q = 1.0;
    for param in params {
        let (name, value) = param.split_once('=')?;
        if name.trim().eq_ignore_ascii_case("q") {
            q = value.trim().parse::<f32>().ok()?;
            if !(0.0..=1.0).contains(&q) {
                return None;
            }
        }
    }
    Some(q)
}

/// Every text of the built-in pages, in one language.
pub(crate) struct Messages {
    pub(crate) title_sign_in: &'static str,
    pub(crate) title_sign_out: &'static str,
    pub(crate) title_verify_request: &'static str,
    pub(crate) title_error: &'static str,
    /// "Sign in with {name}" as the text before and after the name.
    pub(crate) sign_in_with: (&'static str, &'static str),
    pub(crate) email_label: &'static str,
    pub(crate) banner_credentials: &'static str,
    pub(crate) banner_different_account: &'static str,
    pub(crate) banner_account_not_linked: &'static str,
    pub(crate) banner_email_signin: &'static str,
    pub(crate) banner_session_required: &'static str,
    pub(crate) banner_missing_csrf: &'static str,
    pub(crate) banner_default: &'static str,
    pub(crate) sign_out_heading: &'static str,
    pub(crate) sign_out_question: &'static str,
    pub(crate) sign_out_button: &'static str,
    pub(crate) verify_heading: &'static str,
    pub(crate) verify_message: &'static str,
    pub(crate) code_prompt: &'static str,
    pub(crate) code_label: &'static str,
    pub(crate) code_button: &'static str,
    pub(crate) error_configuration_heading: &'static str,
    pub(crate) error_configuration_message: &'static str,
    pub(crate) error_configuration_hint: &'static str,
    pub(crate) error_access_denied_heading: &'static str,
    pub(crate) error_access_denied_message: &'static str,
    pub(crate) error_verification_heading: &'static str,
    pub(crate) error_verification_message: &'static str,
    pub(crate) error_verification_hint: &'static str,
    pub(crate) error_default_heading: &'static str,
    pub(crate) sign_in_link: &'static str,
}

impl Messages {
    /// "Sign in with {name}" (plain text; the caller escapes it).
    pub(crate) fn sign_in_with(&self, name: &str) -> String {
        format!("{}{name}{}", self.sign_in_with.0, self.sign_in_with.1)
    }
}

const EN: Messages = Messages {
    title_sign_in: "Sign In",
    title_sign_out: "Sign Out",
    title_verify_request: "Verify Request",
    title_error: "Error",
    sign_in_with: ("Sign in with ", ""),
    email_label: "Email",
    banner_credentials: "Sign in failed. Check the details you provided are correct.",
    banner_different_account: "Try signing in with a different account.",
    banner_account_not_linked: "To confirm your identity, sign in with the same account you used originally.",
    banner_email_signin: "The e-mail could not be sent.",
    banner_session_required: "Please sign in to access this page.",
    banner_missing_csrf: "The form was sent without its security token, perhaps because the page was open too long or cookies are blocked. Please try again.",
    banner_default: "Unable to sign in.",
    sign_out_heading: "Signout",
    sign_out_question: "Are you sure you want to sign out?",
    sign_out_button: "Sign out",
    verify_heading: "Check your email",
    verify_message: "A sign in link has been sent to your email address.",
    code_prompt: "Or enter the code from the email.",
    code_label: "Code",
    code_button: "Continue",
    error_configuration_heading: "Server error",
    error_configuration_message: "There is a problem with the server configuration.",
    error_configuration_hint: "Check the server logs for more information.",
    error_access_denied_heading: "Access Denied",
    error_access_denied_message: "You do not have permission to sign in.",
    error_verification_heading: "Unable to sign in",
    error_verification_message: "The sign in link is no longer valid.",
    error_verification_hint: "It may have been used already or it may have expired.",
    error_default_heading: "Error",
    sign_in_link: "Sign in",
};

const KO: Messages = Messages {
    title_sign_in: "로그인",
    title_sign_out: "로그아웃",
    title_verify_request: "이메일 확인",
    title_error: "오류",
    sign_in_with: ("", "(으)로 로그인"),
    email_label: "이메일",
    banner_credentials: "로그인에 실패했습니다. 입력한 정보가 올바른지 확인하세요.",
    banner_different_account: "다른 계정으로 로그인해 보세요.",
    banner_account_not_linked: "본인 확인을 위해 처음에 사용한 계정으로 로그인하세요.",
    banner_email_signin: "이메일을 보낼 수 없습니다.",
    banner_session_required: "이 페이지에 접근하려면 로그인하세요.",
    banner_missing_csrf: "보안 토큰 없이 양식이 전송되었습니다. 페이지를 너무 오래 열어 두었거나 쿠키가 차단되었을 수 있습니다. 다시 시도하세요.",
    banner_default: "로그인할 수 없습니다.",
    sign_out_heading: "로그아웃",
    sign_out_question: "정말 로그아웃하시겠습니까?",
    sign_out_button: "로그아웃",
    verify_heading: "이메일을 확인하세요",
    verify_message: "로그인 링크를 이메일 주소로 보냈습니다.",
    code_prompt: "또는 이메일에 있는 코드를 입력하세요.",
    code_label: "코드",
    code_button: "계속",
    error_configuration_heading: "서버 오류",
    error_configuration_message: "서버 구성에 문제가 있습니다.",
    error_configuration_hint: "자세한 내용은 서버 로그를 확인하세요.",
    error_access_denied_heading: "접근 거부",
    error_access_denied_message: "로그인할 권한이 없습니다.",
    error_verification_heading: "로그인할 수 없습니다",
    error_verification_message: "로그인 링크가 더 이상 유효하지 않습니다.",
    error_verification_hint: "이미 사용되었거나 만료되었을 수 있습니다.",
    error_default_heading: "오류",
    sign_in_link: "로그인",
};

const JA: Messages = Messages {
    title_sign_in: "ログイン",
    title_sign_out: "ログアウト",
    title_verify_request: "メールの確認",
    title_error: "エラー",
    sign_in_with: ("", "でログイン"),
    email_label: "メールアドレス",
    banner_credentials: "ログインに失敗しました。入力した内容が正しいか確認してください。",
    banner_different_account: "別のアカウントでログインしてみてください。",
    banner_account_not_linked: "本人確認のため、最初に使用したアカウントでログインしてください。",
    banner_email_signin: "メールを送信できませんでした。",
    banner_session_required: "このページにアクセスするにはログインしてください。",
    banner_missing_csrf: "フォームがセキュリティトークンなしで送信されました。ページを長く開いたままにしていたか、Cookie がブロックされている可能性があります。もう一度お試しください。",
    banner_default: "ログインできません。",
    sign_out_heading: "ログアウト",
    sign_out_question: "ログアウトしてもよろしいですか？",
    sign_out_button: "ログアウト",
    verify_heading: "メールを確認してください",
    verify_message: "ログイン用のリンクをメールアドレスに送信しました。",
    code_prompt: "または、メールに記載されたコードを入力してください。",
    code_label: "コード",
    code_button: "続行",
    error_configuration_heading: "サーバーエラー",
    error_configuration_message: "サーバーの設定に問題があります。",
    error_configuration_hint: "詳しくはサーバーのログを確認してください。",
    error_access_denied_heading: "アクセスが拒否されました",
    error_access_denied_message: "ログインする権限がありません。",
    error_verification_heading: "ログインできません",
    error_verification_message: "ログインリンクは無効になっています。",
    error_verification_hint: "すでに使用されたか、有効期限が切れている可能性があります。",
    error_default_heading: "エラー",
    sign_in_link: "ログイン",
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_tags_by_primary_subtag() {
        assert_eq!(Locale::parse("ko-KR"), Some(Locale::Ko));
        assert_eq!(Locale::parse("KO"), Some(Locale::Ko));
        assert_eq!(Locale::parse("ja"), Some(Locale::Ja));
        assert_eq!(Locale::parse("ja_JP"), Some(Locale::Ja));
        assert_eq!(Locale::parse("en-GB"), Some(Locale::En));
        assert_eq!(Locale::parse("fr"), None);
        assert_eq!(Locale::parse("*"), None);
        assert_eq!(Locale::parse(""), None);
        assert_eq!(Locale::parse("kor"), None);
    }

    #[test]
    fn accept_language_honours_q_values() {
        let cases = [
            ("ko-KR,ko;q=0.9,en-US;q=0.8,en;q=0.7", Some(Locale::Ko)),
            ("ja", Some(Locale::Ja)),
            (
                "fr-CH, fr;q=0.9, en;q=0.8, de;q=0.7, *;q=0.5",
                Some(Locale::En),
            ),
            ("en;q=0.5, ja;q=0.8", Some(Locale::Ja)),
            ("ja;q=0.8, ko;q=0.8", Some(Locale::Ja)),
            ("ko;q=0, en;q=0.1", Some(Locale::En)),
            ("ko;q=0", None),
            ("ko;q=abc, ja;q=0.2", Some(Locale::Ja)),
            ("ko;q=1.5, ja;q=0.2", Some(Locale::Ja)),
            ("fr, de, *", None),
            ("", None),
            (" , ;;, ko ", Some(Locale::Ko)),
            ("EN-us;Q=0.3, Ja-JP;q=0.31", Some(Locale::Ja)),
        ];
        for (header, want) in cases {
            assert_eq!(Locale::from_accept_language(header), want, "{header:?}");
        }
    }

    #[test]
    fn every_language_has_every_text() {
        for locale in Locale::ALL {
            let m = locale.messages();
            let texts = [
                m.title_sign_in,
                m.title_sign_out,
                m.title_verify_request,
                m.title_error,
                m.email_label,
                m.banner_credentials,
                m.banner_different_account,
                m.banner_account_not_linked,
                m.banner_email_signin,
                m.banner_session_required,
                m.banner_missing_csrf,
                m.banner_default,
                m.sign_out_heading,
                m.sign_out_question,
                m.sign_out_button,
                m.verify_heading,
                m.verify_message,
                m.code_prompt,
                m.code_label,
                m.code_button,
                m.error_configuration_heading,
                m.error_configuration_message,
                m.error_configuration_hint,
                m.error_access_denied_heading,
                m.error_access_denied_message,
                m.error_verification_heading,
                m.error_verification_message,
                m.error_verification_hint,
                m.error_default_heading,
                m.sign_in_link,
            ];
            assert!(texts.iter().all(|t| !t.is_empty()), "{locale:?}");
            assert!(m.sign_in_with("GitHub").contains("GitHub"));
        }
        assert_eq!(EN.sign_in_with("GitHub"), "Sign in with GitHub");
        assert_eq!(KO.sign_in_with("GitHub"), "GitHub(으)로 로그인");
        assert_eq!(JA.sign_in_with("GitHub"), "GitHubでログイン");
    }
}
