//! The result of a binding suite run.

use std::fmt;
use std::time::Duration;

/// The outcome of one case.
#[derive(Debug, Clone)]
pub(crate) struct CaseOutcome {
    pub(crate) name: &'static str,
    /// `None` if the case passed, else why it failed.
    pub(crate) failure: Option<String>,
    pub(crate) elapsed: Duration,
}

impl CaseOutcome {
    /// `ok   case_name (12 ms)` or `FAIL case_name (12 ms): why`.
    pub(crate) fn line(&self) -> String {
        let ms = self.elapsed.as_millis();
        match &self.failure {
            None => format!("binding suite: ok   {} ({ms} ms)", self.name),
            Some(why) => format!("binding suite: FAIL {} ({ms} ms): {why}", self.name),
        }
    }
}

/// What [`run`](super::run) found: each case's name and, if it failed, why.
#[derive(Debug, Clone)]
pub struct Report {
    name: String,
    outcomes: Vec<CaseOutcome>,
    not_run: Vec<&'static str>,
}

impl Report {
    pub(crate) fn new(name: &str, outcomes: Vec<CaseOutcome>, not_run: Vec<&'static str>) -> Self {
        Self {
            name: name.to_owned(),
            outcomes,
            not_run,
        }
    }

    /// How many cases ran.
    pub fn cases(&self) -> usize {
        self.outcomes.len()
    }

    /// Whether the case named `case` ran (passed or failed).
    pub fn ran(&self, case: &str) -> bool {
        self.outcomes.iter().any(|o| o.name == case)
    }

    /// The cases that were not run: those that need the app served over a
    /// socket, when it was served in process.
    pub fn not_run(&self) -> &[&'static str] {
        &self.not_run
    }

    /// The names of the cases that failed.
    pub fn failed(&self) -> Vec<&'static str> {
        self.outcomes
            .iter()
            .filter(|o| o.failure.is_some())
            .map(|o| o.name)
            .collect()
    }

    /// Why a case failed, if it did.
    pub fn failure(&self, case: &str) -> Option<&str> {
        self.outcomes
            .iter()
            .find(|o| o.name == case)
            .and_then(|o| o.failure.as_deref())
    }

    /// Panics with every failure if any case failed.
    pub fn assert_all_passed(&self) {
        if !self.failed().is_empty() {
            let mut message = format!("{self}\n");
            for o in &self.outcomes {
                if let Some(why) = &o.failure {
                    message.push_str(&format!("  {}: {why}\n", o.name));
                }
            }
            panic!("{message}");
        }
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let failed = self.failed();
        write!(
            f,
            "binding suite ({}): {} cases, {} passed, {} failed",
            self.name,
            self.cases(),
            self.cases() - failed.len(),
            failed.len()
        )?;
        if !failed.is_empty() {
            write!(f, " ({})", failed.join(", "))?;
        }
        if !self.not_run.is_empty() {
            write!(f, "; not run in process: {}", self.not_run.join(", "))?;
        }
        Ok(())
    }
}
