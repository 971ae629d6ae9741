//! A real headless browser (Debian's chromium, driven through chromedriver
//! with fantoccini) around the demo binary on a free port with its own data
//! directory. Each step can leave a screenshot in
//! `test-output/<demo package>-browser/<journey>/` at the workspace root.
//!
//! Journeys take turns: one chromium at a time is enough for two cores.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use tokio::sync::{Mutex, MutexGuard};

use super::DemoBinary;
use super::binary::Demo;

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

/// How long one step may take.
pub const STEP_TIMEOUT: Duration = Duration::from_secs(15);

/// One journey at a time.
static TURN: Mutex<()> = Mutex::const_new(());

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

/// A fresh screenshot directory for `journey` of the demo `package`.
fn output_dir(package: &str, journey: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../test-output")
        .join(format!("{package}-browser"))
        .join(journey);
    let _ = std::fs::remove_dir_all(&dir);
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

/// The browser, pointed at the demo.
pub struct Browser {
    /// The WebDriver session.
    pub client: Client,
    /// The demo's origin, `http://127.0.0.1:{port}`.
    pub site: String,
    shots: PathBuf,
    step: usize,
}

impl Browser {
    /// Saves a screenshot of the page as the next step.
    pub async fn screenshot(&mut self, name: &str) {
        self.step += 1;
        let png = self.client.screenshot().await.unwrap();
        let path = self.shots.join(format!("{:02}-{name}.png", self.step));
        std::fs::write(&path, png).unwrap();
        println!("screenshot: {}", path.display());
    }

    /// Opens `path` on the demo.
    pub async fn goto(&self, path: &str) {
        self.client
            .goto(&format!("{}{path}", self.site))
            .await
            .unwrap();
    }

    /// The page's URL.
    pub async fn url(&self) -> url::Url {
        self.client.current_url().await.unwrap()
    }

    /// Waits until the page's URL satisfies `ok`.
    pub async fn wait_for_url(&self, what: &str, ok: impl Fn(&url::Url) -> bool) -> url::Url {
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

    /// Waits until the page is the demo's `path`.
    pub async fn wait_for_path(&self, what: &str, path: &str) -> url::Url {
        let origin = self.site.clone();
        self.wait_for_url(what, |u| {
            u.origin().ascii_serialization() == origin && u.path() == path
        })
        .await
    }

    /// The text of the first element matching `css`, once there is one.
    pub async fn text(&self, css: &str) -> String {
        let element = self
            .client
            .wait()
            .at_most(STEP_TIMEOUT)
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("no {css} on the page: {e}"));
        element.text().await.unwrap()
    }

    /// Clicks the first element matching `css`, once there is one.
    pub async fn click(&self, css: &str) {
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

    /// Types `value` into the input matching `css`, replacing its content.
    pub async fn fill(&self, css: &str, value: &str) {
        let input = self
            .client
            .wait()
            .at_most(STEP_TIMEOUT)
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("no {css} to type into: {e}"));
        input.clear().await.unwrap();
        input.send_keys(value).await.unwrap();
    }

    /// From a signed-in page: follows its sign-out link, confirms on
    /// keyway's sign-out page and checks the home page says so.
    pub async fn sign_out(&mut self) {
        self.click("#sign-out").await;
        self.wait_for_path("the sign-out page", "/api/auth/signout")
            .await;
        self.screenshot("sign-out-page").await;
        self.click("form[action$='/api/auth/signout'] button").await;
        self.wait_for_path("the home page", "/").await;
        assert_eq!(self.text("#status").await, "Not signed in.");
        self.screenshot("signed-out").await;
    }
}

/// The demo binary, chromedriver and the browser; one journey.
pub struct Session {
    /// The browser.
    pub browser: Browser,
    driver: Driver,
    demo: Demo,
    _turn: MutexGuard<'static, ()>,
}

impl Session {
    /// Starts the demo binary with `env` (its default settings otherwise),
    /// and a browser. `None` (after a notice) when chromium or chromedriver
    /// is missing and services are not required.
    pub async fn start(
        bin: DemoBinary,
        test: &str,
        journey: &str,
        env: &[(&str, &str)],
    ) -> Option<Session> {
        let (chromium, chromedriver) = match tools() {
            Ok(found) => found,
            Err(why) => return super::unavailable(test, &why),
        };
        let turn = TURN.lock().await;
        let shots = output_dir(bin.package, journey);

        let demo = Demo::start_in(bin, bin.temp_dir(&format!("browser-{journey}")), env).await;
        println!("{}", demo.banner);

        let driver = Driver::start(&chromedriver, &shots.join("chromedriver.log")).await;
        let profile = demo.data_dir().join("chromium-profile");
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
        Some(Session {
            browser: Browser {
                client,
                site: demo.site(),
                shots,
                step: 0,
            },
            driver,
            demo,
            _turn: turn,
        })
    }

    /// Closes the browser, stops the demo and removes its data directory.
    pub async fn finish(mut self) {
        self.browser.client.close().await.unwrap();
        self.driver.child.kill().await.unwrap();
        self.demo.stop().await;
    }
}
