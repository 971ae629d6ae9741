//! The result of a conformance run.

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

/// What [`run`](super::run) found: for each case its name and whether it
/// passed, with the failure message if it did not.
///
/// Its `Display` form is the summary line that `run` prints, e.g.
/// `adapter conformance: 37 cases, 37 passed, 0 failed`.
#[derive(Debug, Clone)]
pub struct Report {
    outcomes: Vec<CaseOutcome>,
}

impl Report {
    pub(crate) fn new(outcomes: Vec<CaseOutcome>) -> Self {
        Self { outcomes }
    }

    /// How many cases ran.
    pub fn cases(&self) -> usize {
        self.outcomes.len()
    }

    /// How many cases passed.
    pub fn passed(&self) -> usize {
        self.outcomes.iter().filter(|o| o.failure.is_none()).count()
    }

    /// The cases that failed, in the order they ran, each with its failure
    /// message.
    pub fn failed(&self) -> Vec<(&'static str, String)> {
        self.outcomes
            .iter()
            .filter_map(|o| o.failure.as_ref().map(|f| (o.name, f.clone())))
            .collect()
    }

    /// The names of all cases that ran, in order.
    pub fn case_names(&self) -> Vec<&'static str> {
        self.outcomes.iter().map(|o| o.name).collect()
    }

    /// Panics, listing every failed case and why, unless all cases passed.
    #[track_caller]
    pub fn assert_all_passed(&self) {
        let failed = self.failed();
        if failed.is_empty() {
            return;
        }
        let details: Vec<String> = failed
            .iter()
            .map(|(name, why)| format!("  {name}: {why}"))
            .collect();
        panic!("{self}\n{}", details.join("\n"));
    }

    pub(crate) fn line(outcome: &CaseOutcome) -> String {
        let ms = outcome.elapsed.as_millis();
        match &outcome.failure {
            None => format!("adapter conformance: {} ... ok ({ms} ms)", outcome.name),
            Some(why) => format!(
                "adapter conformance: {} ... FAILED ({ms} ms): {why}",
                outcome.name
            ),
        }
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let failed: Vec<&str> = self
            .outcomes
            .iter()
            .filter(|o| o.failure.is_some())
            .map(|o| o.name)
            .collect();
        write!(
            f,
            "adapter conformance: {} cases, {} passed, {} failed",
            self.cases(),
            self.passed(),
            failed.len()
        )?;
        if !failed.is_empty() {
            write!(f, " ({})", failed.join(", "))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outcome(name: &'static str, failure: Option<&str>) -> CaseOutcome {
        CaseOutcome {
            name,
            failure: failure.map(str::to_owned),
            elapsed: Duration::from_millis(3),
        }
    }

    #[test]
    fn summary_line_and_failures() {
        let ok = Report::new(vec![outcome("a", None), outcome("b", None)]);
        assert_eq!(
            ok.to_string(),
            "adapter conformance: 2 cases, 2 passed, 0 failed"
        );
        ok.assert_all_passed();

        let bad = Report::new(vec![
            outcome("a", Some("boom")),
            outcome("b", None),
            outcome("c", Some("bang")),
        ]);
        assert_eq!(
            bad.to_string(),
            "adapter conformance: 3 cases, 1 passed, 2 failed (a, c)"
        );
        assert_eq!(
            bad.failed(),
            vec![("a", "boom".to_owned()), ("c", "bang".to_owned())]
        );
        assert_eq!(bad.case_names(), vec!["a", "b", "c"]);
        assert_eq!(
            Report::line(&bad.outcomes[0]),
            "adapter conformance: a ... FAILED (3 ms): boom"
        );
    }

    #[test]
    #[should_panic(expected = "c: bang")]
    fn assert_all_passed_lists_failures() {
        Report::new(vec![outcome("a", None), outcome("c", Some("bang"))]).assert_all_passed();
    }
}
