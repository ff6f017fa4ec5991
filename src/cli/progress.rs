//! Spinners for long steps, shown only when stderr is a terminal and `--quiet` is off.

use std::{io::IsTerminal, time::Duration};

use indicatif::{ProgressBar, ProgressStyle};

/// Whether and how to show progress.
#[derive(Clone, Copy, Debug)]
pub struct Progress {
    enabled: bool,
}

impl Progress {
    /// Spinners on when stderr is a terminal, unless `quiet`.
    pub fn new(quiet: bool) -> Self {
        Self {
            enabled: !quiet && std::io::stderr().is_terminal(),
        }
    }

    /// Runs `work` under a spinner labelled `message`.
    pub fn step<T>(&self, message: &str, work: impl FnOnce() -> T) -> T {
        if !self.enabled {
            return work();
        }
        let spinner = ProgressBar::new_spinner();
        spinner.set_style(
            ProgressStyle::with_template("{spinner} {msg} ({elapsed})").expect("a valid template"),
        );
        spinner.set_message(message.to_owned());
        spinner.enable_steady_tick(Duration::from_millis(100));
        let result = work();
        spinner.finish_and_clear();
        result
    }
}
