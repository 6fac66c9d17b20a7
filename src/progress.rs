//! Progress bars for long work (big imports, `verify` over many entries), on stderr and only
//! when stderr is a terminal: scripts and CI logs stay quiet.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// How far a file's import has come, for someone watching from another thread (the web
/// application's import page, which has no terminal).
#[derive(Debug, Default)]
pub struct Watch {
    done: AtomicU64,
    total: AtomicU64,
    rows: AtomicU64,
}

impl Watch {
    pub fn set(&self, done: u64, total: u64, rows: u64) {
        self.done.store(done, Ordering::Relaxed);
        self.total.store(total, Ordering::Relaxed);
        self.rows.store(rows, Ordering::Relaxed);
    }

    /// Bytes read, bytes in all, rows read.
    pub fn get(&self) -> (u64, u64, u64) {
        (
            self.done.load(Ordering::Relaxed),
            self.total.load(Ordering::Relaxed),
            self.rows.load(Ordering::Relaxed),
        )
    }
}

/// Below this much work a bar would only flicker.
const MIN_BYTES: u64 = 4 << 20;
const MIN_ROWS: u64 = 50_000;

/// A progress bar, or nothing.
pub struct Progress {
    bar: Option<ProgressBar>,
}

impl Progress {
    /// No bar at all.
    pub fn hidden() -> Progress {
        Progress { bar: None }
    }

    /// A bar over `total` bytes of a file being read (rows counted as they come).
    pub fn bytes(what: &str, total: u64) -> Progress {
        if total < MIN_BYTES {
            return Progress::hidden();
        }
        let eta = crate::lang::pick("剩余", "eta");
        Progress::shown(what, total, &format!("{{msg}} [{{bar:30}}] {{percent:>3}}% {{rows}} {eta} {{eta}}"))
    }

    /// A bar over `total` rows.
    pub fn rows(what: &str, total: u64) -> Progress {
        if total < MIN_ROWS {
            return Progress::hidden();
        }
        let eta = crate::lang::pick("剩余", "eta");
        Progress::shown(
            what,
            total,
            &format!("{{msg}} [{{bar:30}}] {{human_pos}}/{{human_len}} {{rows}} {eta} {{eta}}"),
        )
    }

    fn shown(what: &str, total: u64, template: &str) -> Progress {
        if !std::io::stderr().is_terminal() {
            return Progress::hidden();
        }
        // `{rows}` is the prefix, which `set` and `rows_done` fill in (rows and rate).
        let template = template.replace("{rows}", "{prefix}");
        let style = ProgressStyle::with_template(&template)
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> ");
        let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr_with_hz(5))
            .with_style(style)
            .with_message(what.to_string());
        bar.enable_steady_tick(Duration::from_millis(200));
        Progress { bar: Some(bar) }
    }

    /// Moves the bar to `position`, with `rows` done so far (for byte bars).
    pub fn set(&self, position: u64, rows: u64) {
        if let Some(bar) = &self.bar {
            bar.set_position(position);
            let millis = (bar.elapsed().as_millis() as u64).max(1);
            let rate = rows.saturating_mul(1000) / millis;
            bar.set_prefix(crate::tr!("{rows} 行（{rate}/秒）", "{rows} rows ({rate}/s)"));
        }
    }

    /// Moves a row bar to `rows`.
    pub fn rows_done(&self, rows: u64) {
        if let Some(bar) = &self.bar {
            bar.set_position(rows);
            let millis = (bar.elapsed().as_millis() as u64).max(1);
            let rate = rows.saturating_mul(1000) / millis;
            bar.set_prefix(crate::tr!("（{rate}/秒）", "({rate}/s)"));
        }
    }

    /// Removes the bar.
    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.finish();
    }
}
