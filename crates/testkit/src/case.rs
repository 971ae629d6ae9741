//! Running one case of a suite: in its own tokio task, so that a panic is
//! reported as a failure and the run goes on, and within a time limit.

use std::any::Any;
use std::future::Future;
use std::time::Duration;

/// Runs `case` to the end or for `limit` at most; returns why it failed,
/// or `None` when it passed.
pub(crate) async fn run_isolated<F>(case: F, limit: Duration) -> Option<String>
where
    F: Future<Output = Result<(), String>> + Send + 'static,
{
    let task = tokio::spawn(case);
    let abort = task.abort_handle();
    match tokio::time::timeout(limit, task).await {
        Ok(Ok(Ok(()))) => None,
        Ok(Ok(Err(why))) => Some(why),
        Ok(Err(join)) if join.is_panic() => {
            Some(format!("panicked: {}", panic_message(join.into_panic())))
        }
        Ok(Err(join)) => Some(format!("task failed: {join}")),
        Err(_) => {
            abort.abort();
            Some(format!("did not finish within {} s", limit.as_secs()))
        }
    }
}

fn panic_message(payload: Box<dyn Any + Send>) -> String {
    match payload.downcast::<String>() {
        Ok(s) => *s,
        Err(payload) => match payload.downcast::<&'static str>() {
            Ok(s) => (*s).to_owned(),
            Err(_) => "(a non-string panic payload)".to_owned(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn outcomes() {
        let limit = Duration::from_secs(5);
        assert_eq!(run_isolated(async { Ok(()) }, limit).await, None);
        assert_eq!(
            run_isolated(async { Err("why".to_owned()) }, limit).await,
            Some("why".to_owned())
        );
        let panicked = run_isolated(async { panic!("boom {}", 1) }, limit).await;
        assert_eq!(panicked.as_deref(), Some("panicked: boom 1"));
        let slow = run_isolated(
            async {
                tokio::time::sleep(Duration::from_secs(60)).await;
                Ok(())
            },
            Duration::from_millis(10),
        )
        .await;
        assert_eq!(slow.as_deref(), Some("did not finish within 0 s"));
    }
}
