//! `keyway check`: the environment read as `Auth::builder().from_env()`
//! reads it, plus the providers and database it names, checked by
//! keyway-core's own rules ([`AuthBuilder::problems`]), every problem
//! reported at once.

use keyway::adapter::AdapterCrate;
use keyway::oauth::presets_from_env;
use keyway::redact::redact_url;
use keyway::{AdapterErrorKind, Auth, AuthBuilder, ErrorPageCode, LogCode, Provider};
use serde_json::{Value, json};

use crate::database::{DatabaseArgs, with_sources};
use crate::output::{Exit, Output};
use crate::scrub::Scrub;

/// One problem: its code (a log code where keyway-core gives one, else the
/// `Configuration` page code a visitor would see), and what to set.
struct Problem {
    code: String,
    message: String,
    docs: Option<String>,
}

impl Problem {
    fn configuration(message: String) -> Self {
        Self {
            code: ErrorPageCode::Configuration.as_str().to_owned(),
            message,
            docs: None,
        }
    }

    fn logged(code: LogCode, message: String) -> Self {
        Self {
            code: code.as_str().to_owned(),
            message,
            docs: Some(code.docs_url()),
        }
    }
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// The secret variables that are set (names only, never values).
fn secret_names() -> Vec<&'static str> {
    [
        "AUTH_SECRET",
        "NEXTAUTH_SECRET",
        "AUTH_SECRET_1",
        "AUTH_SECRET_2",
        "AUTH_SECRET_3",
    ]
    .into_iter()
    .filter(|n| env(n).is_some())
    .collect()
}

/// What the database part found, for the summary.
struct Database {
    shown_url: String,
    krate: Option<AdapterCrate>,
    state: &'static str,
}

/// Opens DATABASE_URL (no migration) and reads one row, so that a database
/// without keyway's tables is reported too; adds the adapter to `builder`.
async fn check_database(
    args: &DatabaseArgs,
    scrub: &Scrub,
    mut builder: AuthBuilder,
    problems: &mut Vec<Problem>,
) -> (AuthBuilder, Option<Database>) {
    let Some(url) = args.url() else {
        return (builder, None);
    };
    let shown_url = redact_url(url);
    let opened = match args.open(false, scrub).await {
        Ok(opened) => opened,
        Err(e) => {
            let message = format!("DATABASE_URL {shown_url}: {}", e.message);
            problems.push(match e.code {
                Some(code) if code == LogCode::AdapterConnectionError.as_str() => {
                    Problem::logged(LogCode::AdapterConnectionError, message)
                }
                _ => Problem::configuration(message),
            });
            return (
                builder,
                Some(Database {
                    shown_url,
                    krate: None,
                    state: "cannot be opened",
                }),
            );
        }
    };
    let state = match opened.adapter.get_user("keyway-check").await {
        Ok(_) => "connected, tables readable",
        Err(e) => {
            let code = if e.kind() == AdapterErrorKind::Connection {
                LogCode::AdapterConnectionError
            } else {
                LogCode::GetUserByIdError
            };
            problems.push(Problem::logged(
                code,
                format!(
                    "DATABASE_URL {shown_url}: keyway's tables cannot be read ({}): run \
                     `keyway migrate`",
                    scrub.clean(&with_sources(&e))
                ),
            ));
            "connected, tables not readable"
        }
    };
    builder = builder.adapter(opened.adapter);
    (
        builder,
        Some(Database {
            shown_url,
            krate: Some(opened.krate),
            state,
        }),
    )
}

pub(crate) async fn run(args: &DatabaseArgs, out: &Output) -> Exit {
    let scrub = Scrub::from_env(args.url());
    out.progress("keyway check: reading the environment as Auth::builder().from_env() does");
    let mut problems = Vec::new();
    let mut builder = Auth::builder().from_env();

    let (b, database) = check_database(args, &scrub, builder, &mut problems).await;
    builder = b;

    let mut oauth_ids = Vec::new();
    for preset in presets_from_env() {
        let provider = Provider::from(preset);
        oauth_ids.push(provider.id().to_owned());
        builder = builder.provider(provider);
    }
    let mut provider_ids = oauth_ids.clone();
    if env("EMAIL_SERVER").is_some() || env("EMAIL_FROM").is_some() {
        match keyway::email::Email::smtp_from_env() {
            Ok(email) => {
                let provider = Provider::from(email);
                provider_ids.push(provider.id().to_owned());
                builder = builder.provider(provider);
            }
            Err(e) => problems.push(Problem::configuration(format!(
                "email provider (EMAIL_SERVER / EMAIL_FROM): {}",
                scrub.clean(&e.to_string())
            ))),
        }
    }

    // keyway-core's own rules, every problem at once, before ours.
    let mut all: Vec<Problem> = builder
        .problems()
        .into_iter()
        .map(|p| match p.code() {
            Some(code) => Problem::logged(code, scrub.clean(p.message())),
            None => Problem::configuration(scrub.clean(p.message())),
        })
        .collect();
    all.append(&mut problems);

    let base_path = builder.base_path_in_use();
    let callbacks: Vec<(String, String)> = oauth_ids
        .iter()
        .map(|id| {
            let url = builder.callback_url(id).unwrap_or_else(|| {
                format!(
                    "https://<your site>{}/callback/{id}",
                    base_path.as_deref().unwrap_or("/api/auth")
                )
            });
            (id.clone(), url)
        })
        .collect();

    let secrets = secret_names();
    let site = env("AUTH_URL")
        .or_else(|| env("NEXTAUTH_URL"))
        .map(|u| scrub.clean(&u));
    let mut text = String::new();
    text.push_str("keyway check\n");
    text.push_str(&format!(
        "  secret     {}\n",
        if secrets.is_empty() {
            "not set".to_owned()
        } else {
            format!("{} set (values never shown)", secrets.join(", "))
        }
    ));
    text.push_str(&format!(
        "  site       {}, base path {}\n",
        match (&site, env("AUTH_TRUSTED_HOSTS"), env("AUTH_TRUST_HOST")) {
            (Some(url), _, _) => format!("AUTH_URL {url}"),
            (None, Some(hosts), _) =>
                format!("the request's host, one of AUTH_TRUSTED_HOSTS={hosts}"),
            (None, None, Some(v)) => format!("from the request's host (AUTH_TRUST_HOST={v})"),
            (None, None, None) => "unknown".to_owned(),
        },
        base_path.as_deref().unwrap_or("unusable")
    ));
    text.push_str(&format!(
        "  database   {}\n",
        match &database {
            Some(d) => match d.krate {
                Some(k) => format!("{} ({}): {}", d.shown_url, k.crate_name(), d.state),
                None => format!("{}: {}", d.shown_url, d.state),
            },
            None => "none (DATABASE_URL is not set: JWT sessions)".to_owned(),
        }
    ));
    text.push_str(&format!(
        "  providers  {}\n",
        if provider_ids.is_empty() {
            "none configured by the environment".to_owned()
        } else {
            provider_ids.join(", ")
        }
    ));
    if !callbacks.is_empty() {
        text.push_str("\nCallback URLs to register at each provider:\n");
        let width = callbacks.iter().map(|(id, _)| id.len()).max().unwrap_or(0);
        for (id, url) in &callbacks {
            text.push_str(&format!("  {id:width$}  {url}\n"));
        }
    }
    if all.is_empty() {
        text.push_str("\nNo problems found.\n");
    } else {
        text.push_str(&format!(
            "\n{} problem{} found:\n",
            all.len(),
            if all.len() == 1 { "" } else { "s" }
        ));
        for p in &all {
            text.push_str(&format!("  [{}] {}", p.code, p.message));
            if let Some(docs) = &p.docs {
                text.push_str(&format!(" (see {docs})"));
            }
            text.push('\n');
        }
    }

    let object = json!({
        "problems": all.iter().map(|p| json!({
            "code": p.code,
            "message": p.message,
            "docs": p.docs,
        })).collect::<Vec<Value>>(),
        "secrets": secrets,
        "auth_url": site,
        "base_path": base_path,
        "database": database.as_ref().map(|d| json!({
            "url": d.shown_url,
            "adapter": d.krate.map(|k| k.name()),
            "state": d.state,
        })),
        "providers": provider_ids,
        "callback_urls": callbacks.iter().map(|(id, url)| json!({ "provider": id, "url": url })).collect::<Vec<Value>>(),
    });
    out.result("check", all.is_empty(), &text, object)
}
