//! Terminal styling: ANSI colours, or none (not a terminal, `NO_COLOR`, `--no-color`).

use tether_engine::plan::Action;

/// ANSI colours, or none.
#[derive(Clone, Copy, Debug)]
pub struct Style {
    pub color: bool,
}

impl Style {
    /// No colour: files, pipes, Markdown bodies and tests.
    pub const PLAIN: Style = Style { color: false };

    fn paint(&self, code: &str, s: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    }

    pub(crate) fn green(&self, s: &str) -> String {
        self.paint("32", s)
    }

    pub(crate) fn red(&self, s: &str) -> String {
        self.paint("31", s)
    }

    pub(crate) fn yellow(&self, s: &str) -> String {
        self.paint("33", s)
    }

    pub(crate) fn cyan(&self, s: &str) -> String {
        self.paint("36", s)
    }

    pub fn bold(&self, s: impl std::fmt::Display) -> String {
        self.paint("1", &s.to_string())
    }

    /// An action's glyph in the colour people expect from Terraform.
    pub(crate) fn glyph(&self, action: Action) -> String {
        let g = action.glyph();
        match action {
            Action::Create => self.green(g),
            Action::Delete => self.red(g),
            Action::Update => self.yellow(g),
            Action::DeleteThenCreate | Action::CreateThenDelete => self.yellow(g),
            Action::Read => self.cyan(g),
            Action::NoOp => g.to_string(),
        }
    }
}
