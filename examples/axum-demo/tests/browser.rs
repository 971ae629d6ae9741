//! The demo in a real headless browser (Debian's chromium, driven through
//! chromedriver with fantoccini): open the home page, follow the protected
//! page to the sign-in page, sign in with the demo user's credentials on
//! keyway's built-in page, reach the protected page, sign out, and try a
//! wrong password. Each step leaves a screenshot in
//! `test-output/axum-demo-browser/` at the workspace root.
//!
//! Without chromium or chromedriver the test is skipped with a notice, unless
//! `KEYWAY_REQUIRE_SERVICES=1` (as in CI), where it fails: `cargo xtask
//! services` installs both.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use axum_demo::{Settings, build};
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;

/// The flags chromium runs with: headless, and nothing that reaches out to
/// the network on its own.
const CHROMIUM_FLAGS: &[&str] = &[
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--window-size=1024,768",
];

const STEP_TIMEOUT: Duration = Duration::from_secs(15);

fn find(env: &str, names: &[&str]) -> Option<PathBuf> {
    if let Some(path) = std::env::var_os(env).map(PathBuf::from) {
        return path.is_file().then_some(path);
    }
    let dirs: Vec<PathBuf> = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect())
        .unwrap_or_default();
    names.iter().find_map(|name| {
        dirs.iter()
            .chain([PathBuf::from("/usr/bin")].iter())
            .map(|d| d.join(name))
            .find(|p| p.is_file())
    })
}

/// Chromium and chromedriver, or why the test cannot run.
fn tools() -> Result<(PathBuf, PathBuf), String> {
    let chromium = find("CHROME_BIN", &["chromium", "chromium-browser"]);
    let driver = find("CHROMEDRIVER", &["chromedriver"]);
    match (chromium, driver) {
        (Some(c), Some(d)) => Ok((c, d)),
        (c, d) => Err(format!(
            "chromium {} and chromedriver {}; `cargo xtask services` installs them \
             (apt-get install chromium chromium-driver)",
            if c.is_some() { "found" } else { "missing" },
            if d.is_some() { "found" } else { "missing" },
        )),
    }
}

fn output_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../test-output/axum-demo-browser");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// chromedriver on its own port, stopped when dropped.
struct Driver {
    child: tokio::process::Child,
    url: String,
}

impl Driver {
    async fn start(path: &Path, log: &Path) -> Driver {
        let port = free_port();
        let log = std::fs::File::create(log).unwrap();
        let child = tokio::process::Command::new(path)
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        let started = Instant::now();
        while tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_err()
        {
            assert!(
                started.elapsed() < STEP_TIMEOUT,
                "chromedriver did not open port {port}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Driver {
            child,
            url: format!("http://127.0.0.1:{port}"),
        }
    }
}

struct Browser {
    client: Client,
    site: String,
    shots: PathBuf,
    step: usize,
}

impl Browser {
    async fn screenshot(&mut self, name: &str) {
        self.step += 1;
        let png = self.client.screenshot().await.unwrap();
        let path = self.shots.join(format!("{:02}-{name}.png", self.step));
        std::fs::write(&path, png).unwrap();
        println!("screenshot: {}", path.display());
    }

    async fn url(&self) -> url::Url {
        self.client.current_url().await.unwrap()
    }

    /// Waits until the page's URL satisfies `ok`.
    async fn wait_for_url(&self, what: &str, ok: impl Fn(&url::Url) -> bool) -> url::Url {
        let started = Instant::now();
        loop {
            let url = self.url().await;
            if ok(&url) {
                return url;
            }
            assert!(
                started.elapsed() < STEP_TIMEOUT,
                "waited for {what}; the browser is at {url}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    async fn text(&self, css: &str) -> String {
        let element = self
            .client
            .wait()
            .at_most(STEP_TIMEOUT)
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("no {css} on the page: {e}"));
        element.text().await.unwrap()
    }

    async fn click(&self, css: &str) {
        self.client
            .wait()
            .at_most(STEP_TIMEOUT)
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("no {css} to click: {e}"))
            .click()
            .await
            .unwrap();
    }

    /// Fills the built-in page's credentials form and presses its button.
    async fn sign_in(&self, username: &str, password: &str) {
        let form = "form[action$='/api/auth/callback/credentials']";
        for (name, value) in [("username", username), ("password", password)] {
            let input = self
                .client
                .find(Locator::Css(&format!("{form} input[name='{name}']")))
                .await
                .unwrap();
            input.clear().await.unwrap();
            input.send_keys(value).await.unwrap();
        }
        self.click(&format!("{form} button[type='submit']")).await;
    }
}

fn path_is(url: &url::Url, path: &str) -> bool {
    url.path() == path
}

async fn journey(b: &mut Browser) {
    let site = b.site.clone();

    // 1. Home: nobody is signed in.
    b.client.goto(&format!("{site}/")).await.unwrap();
    assert_eq!(b.text("#status").await, "Not signed in.");
    b.screenshot("home-signed-out").await;

    // 2. The protected page sends the browser to sign in, to come back.
    b.click("main a[href='/protected']").await;
    let url = b
        .wait_for_url("the sign-in page", |u| path_is(u, "/api/auth/signin"))
        .await;
    let callback = url
        .query_pairs()
        .find(|(k, _)| k == "callbackUrl")
        .map(|(_, v)| v.into_owned());
    assert_eq!(
        callback.as_deref(),
        Some(format!("{site}/protected").as_str())
    );
    b.screenshot("redirected-to-sign-in").await;

    // 3. Sign in on keyway's built-in page and land on the protected page.
    b.sign_in("alice", "wonderland").await;
    b.wait_for_url("the protected page", |u| path_is(u, "/protected"))
        .await;
    let status = b.text("#status").await;
    assert!(
        status.contains("Welcome, alice (alice@example.com)"),
        "{status}"
    );
    b.screenshot("protected-page").await;

    // 4. Sign out through keyway's sign-out page.
    b.click("#sign-out").await;
    b.wait_for_url("the sign-out page", |u| path_is(u, "/api/auth/signout"))
        .await;
    b.screenshot("sign-out-page").await;
    b.click("form[action$='/api/auth/signout'] button").await;
    b.wait_for_url("the home page", |u| path_is(u, "/")).await;
    assert_eq!(b.text("#status").await, "Not signed in.");
    b.screenshot("signed-out").await;
    b.client.goto(&format!("{site}/protected")).await.unwrap();
    b.wait_for_url("the sign-in page again", |u| path_is(u, "/api/auth/signin"))
        .await;

    // 5. A wrong password: back on the sign-in page with the message.
    b.sign_in("alice", "not-the-password").await;
    let url = b
        .wait_for_url("the sign-in page with an error", |u| {
            u.query_pairs()
                .any(|(k, v)| k == "error" && v == "CredentialsSignin")
        })
        .await;
    assert!(path_is(&url, "/api/auth/signin"), "{url}");
    let page = b.text("body").await;
    assert!(
        page.contains("Sign in failed. Check the details you provided are correct."),
        "{page}"
    );
    b.screenshot("wrong-password").await;
    b.client.goto(&format!("{site}/")).await.unwrap();
    assert_eq!(b.text("#status").await, "Not signed in.");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_and_out_in_a_real_browser() {
    let (chromium, chromedriver) = match tools() {
        Ok(found) => found,
        Err(why) if std::env::var("KEYWAY_REQUIRE_SERVICES").as_deref() == Ok("1") => {
            panic!("KEYWAY_REQUIRE_SERVICES=1 but the browser test cannot run: {why}")
        }
        Err(why) => {
            // Straight to stderr, past the test harness's capture, so the
            // skip is seen.
            let _ = writeln!(
                std::io::stderr(),
                "SKIPPED sign_in_and_out_in_a_real_browser: {why}"
            );
            return;
        }
    };
    let shots = output_dir();

    // The demo, in process, on a free port with its own data directory.
    let data_dir =
        std::env::temp_dir().join(format!("axum-demo-browser-{}", keyway::random::hex(6)));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let mut settings = Settings::from_vars(|_| None).unwrap();
    settings.port = port;
    settings.data_dir = data_dir.clone();
    let demo = build(settings).await.unwrap();
    println!("{}", demo.banner());
    let server = tokio::spawn(async move {
        axum::serve(listener, demo.router).await.unwrap();
    });

    let mut driver = Driver::start(&chromedriver, &shots.join("chromedriver.log")).await;
    let profile = data_dir.join("chromium-profile");
    let mut args: Vec<String> = CHROMIUM_FLAGS.iter().map(|f| (*f).to_owned()).collect();
    args.push(format!("--user-data-dir={}", profile.display()));
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".to_owned(),
        serde_json::json!({ "binary": chromium, "args": args }),
    );
    let client = ClientBuilder::new(HttpConnector::new())
        .capabilities(caps)
        .connect(&driver.url)
        .await
        .expect("chromedriver starts a chromium session");
    let mut browser = Browser {
        client,
        site: format!("http://127.0.0.1:{port}"),
        shots,
        step: 0,
    };
    journey(&mut browser).await;

    browser.client.close().await.unwrap();
    driver.child.kill().await.unwrap();
    server.abort();
    std::fs::remove_dir_all(&data_dir).unwrap();
}
