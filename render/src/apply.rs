//! What people see while `apply` and `destroy` run: the approval prompt, one progress line per
//! event (in Terraform's words, so logs read the same), and the summary at the end.

use tether_engine::apply::{ApplyEvent, ApplyOutcome};
use tether_engine::plan::Action;

use crate::output::outputs_section;
use crate::style::Style;

/// Asks for approval; the answer is read on the same line.
pub fn approval_prompt(question: &str, style: Style) -> String {
    format!("\n{}\n  Only 'yes' will be accepted to approve.\n\n  Enter a value: ", style.bold(question))
}

/// Said once when Ctrl-C arrives during an apply.
pub const INTERRUPTED: &str = "\nInterrupt received: no new operations will start; waiting for running ones to finish.";

/// The progress line for one event, without the line break.
pub fn event_line(e: &ApplyEvent, style: Style) -> String {
    match e {
        ApplyEvent::Started { subject, action } => format!("{}: {}...", style.bold(subject), doing(*action)),
        ApplyEvent::Progress { subject, message } => format!("{}: {message}", style.bold(subject)),
        ApplyEvent::StillRunning { subject, action, elapsed } => format!(
            "{}: still {}... [{}s elapsed]",
            style.bold(subject),
            doing(*action).to_lowercase(),
            elapsed.as_secs()
        ),
        ApplyEvent::Finished { subject, action, elapsed, id } => {
            let id = id.as_ref().map(|i| format!(" [id={i}]")).unwrap_or_default();
            format!("{}: {} after {}s{id}", style.bold(subject), done(*action), elapsed.as_secs())
        }
        ApplyEvent::Failed { subject, action, summary } => {
            format!("{}: {} failed: {summary}", style.bold(subject), doing(*action).to_lowercase())
        }
        ApplyEvent::Skipped { subject, reason } => format!("{}: skipped: {reason}", style.bold(subject)),
    }
}

/// Terraform's word for an operation under way.
fn doing(a: Action) -> &'static str {
    match a {
        Action::Create => "Creating",
        Action::Update => "Modifying",
        Action::Delete => "Destroying",
        Action::Read => "Reading",
        _ => "Applying",
    }
}

/// Terraform's words for an operation that finished.
fn done(a: Action) -> &'static str {
    match a {
        Action::Create => "Creation complete",
        Action::Update => "Modifications complete",
        Action::Delete => "Destruction complete",
        Action::Read => "Read complete",
        _ => "Complete",
    }
}

/// The summary after the walk: counts, and the outputs when everything succeeded. The failures
/// themselves are diagnostics, printed after this.
pub fn summary(outcome: &ApplyOutcome, destroy: bool, style: Style) -> String {
    let verb = if destroy { "Destroy" } else { "Apply" };
    if outcome.failures.is_empty() {
        format!(
            "\n{} Resources: {} added, {} changed, {} destroyed.\n{}",
            style.bold(format!("{verb} complete!")),
            outcome.added,
            outcome.changed,
            outcome.destroyed,
            outputs_section(&outcome.outputs)
        )
    } else {
        format!(
            "\n{} Resources: {} added, {} changed, {} destroyed; {} failed.\n",
            style.bold(format!("{verb} failed.")),
            outcome.added,
            outcome.changed,
            outcome.destroyed,
            outcome.failures.len()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testdata;

    #[test]
    fn progress_lines() {
        let lines: Vec<String> = testdata::events().iter().map(|e| event_line(e, Style::PLAIN)).collect();
        insta::assert_snapshot!(lines.join("\n"));
    }

    #[test]
    fn summaries() {
        let (ok, failed) = testdata::outcomes();
        insta::assert_snapshot!(format!(
            "{}---{}---{}---{}",
            summary(&ok, false, Style::PLAIN),
            summary(&ok, true, Style::PLAIN),
            summary(&failed, false, Style::PLAIN),
            approval_prompt("Do you want to perform these actions?", Style::PLAIN)
        ));
    }
}
