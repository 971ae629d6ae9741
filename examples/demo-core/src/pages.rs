//! The demo's own pages, home, protected and a sign-in page of its own, as
//! HTML text: each demo answers them with its framework's HTML response.

use keyway::pages::escape_html as escape;
use keyway::provider::ProviderType;
use keyway::{SessionData, SessionUser, SignInPageData};

fn page(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{title} · keyway demo</title>\n<style>{STYLE}</style>\n</head>\n<body>\n\
         <nav><a href=\"/\">Home</a> <a href=\"/protected\">Protected page</a></nav>\n\
         <main>\n<h1>{title}</h1>\n{body}</main>\n</body>\n</html>\n",
        title = escape(title),
    )
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;max-width:40rem;margin:2rem auto;\
padding:0 1rem;color:#222}nav a{margin-right:1rem}main{margin-top:2rem}\
.who{padding:1rem;border-radius:.5rem;background:#eef3ff}";

fn who(name: Option<&str>, email: Option<&str>) -> String {
    let name = name.or(email).unwrap_or("someone");
    match email {
        Some(email) if email != name => format!("{} ({})", escape(name), escape(email)),
        _ => escape(name),
    }
}

/// `GET /`: who is signed in (`user`, from the optional session), with a
/// sign-in or sign-out link.
pub fn home(user: Option<&SessionUser>) -> String {
    let body = match user {
        Some(user) => format!(
            "<p class=\"who\" id=\"status\">Signed in as <strong>{}</strong>.</p>\n\
             <p><a href=\"/protected\">Go to the protected page</a> · \
             <a id=\"sign-out\" href=\"/api/auth/signout?callbackUrl=%2F\">Sign out</a></p>\n",
            who(user.name.as_deref(), user.email.as_deref())
        ),
        None => "<p class=\"who\" id=\"status\">Not signed in.</p>\n\
                 <p><a id=\"sign-in\" href=\"/api/auth/signin?callbackUrl=%2F\">Sign in</a> · \
                 <a href=\"/protected\">Try the protected page</a></p>\n"
            .to_owned(),
    };
    page("keyway demo", &body)
}

/// `GET /protected`, for the required session: only signed-in users see
/// it; the framework's extractor sends the others to sign in.
pub fn protected(session: &SessionData) -> String {
    let user = &session.user;
    let body = format!(
        "<p class=\"who\" id=\"status\">Welcome, <strong>{}</strong>. Only signed-in users see \
         this page.</p>\n<p>Your session ends at {}.</p>\n\
         <p><a id=\"sign-out\" href=\"/api/auth/signout?callbackUrl=%2F\">Sign out</a></p>\n",
        who(user.name.as_deref(), user.email.as_deref()),
        escape(&session.expires),
    );
    page("Protected page", &body)
}

/// `GET /login`: the demo's own, server-rendered sign-in page, drawn from
/// what the engine gives a custom page (the binding's `SignInPage`): one
/// form per provider, each posting the CSRF token and the callback URL to
/// the provider's URL, and the `?error=` code as a message. The framework
/// sends it with the cookies of `data.set_cookies`.
pub fn sign_in(data: &SignInPageData) -> String {
    let hidden = format!(
        "<input type=\"hidden\" name=\"csrfToken\" value=\"{}\">\n\
         <input type=\"hidden\" name=\"callbackUrl\" value=\"{}\">\n",
        escape(&data.csrf_token),
        escape(&data.callback_url)
    );
    let mut body = String::new();
    if let Some(code) = data.error {
        body.push_str(&format!(
            "<p class=\"who\" id=\"error\" data-code=\"{}\">Sign-in did not work ({}). Try \
             again.</p>\n",
            code.as_str(),
            code.as_str()
        ));
    }
    for provider in &data.providers {
        let inputs: String = match provider.kind {
            ProviderType::Credentials => provider
                .fields
                .iter()
                .map(|f| {
                    let label = if f.label.is_empty() {
                        &f.name
                    } else {
                        &f.label
                    };
                    let kind = if f.input_type.is_empty() {
                        "text"
                    } else {
                        &f.input_type
                    };
                    format!(
                        "<label>{} <input name=\"{}\" type=\"{}\"></label>\n",
                        escape(label),
                        escape(&f.name),
                        escape(kind)
                    )
                })
                .collect(),
            ProviderType::Email => {
                "<label>Email <input name=\"email\" type=\"email\"></label>\n".to_owned()
            }
            _ => String::new(),
        };
        body.push_str(&format!(
            "<form method=\"post\" action=\"{action}\" id=\"provider-{id}\">\n{hidden}{inputs}\
             <button type=\"submit\">Sign in with {name}</button>\n</form>\n",
            action = escape(provider.form_action()),
            id = escape(&provider.id),
            name = escape(&provider.name),
        ));
    }
    page("Sign in", &body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_escaped() {
        assert_eq!(
            who(Some("<b>x</b>"), Some("a&b@example.com")),
            "&lt;b&gt;x&lt;/b&gt; (a&amp;b@example.com)"
        );
        assert_eq!(who(None, Some("a@example.com")), "a@example.com");
        assert_eq!(escape("\"'"), "&quot;&#x27;");
    }
}
