//! A small download progress bar on stderr: bytes done and total, rate, time left. Redrawn in
//! place (at most 10 times a second) on a terminal; on a log (not a terminal) one line at the
//! start and one at the end.

use std::io::IsTerminal;
use std::time::{Duration, Instant};

/// Progress of one transfer of `total` bytes (when known).
#[derive(Debug)]
pub struct Progress {
    label: String,
    total: Option<u64>,
    done: u64,
    start: Instant,
    last_draw: Option<Instant>,
    terminal: bool,
    enabled: bool,
}

const WIDTH: usize = 24;
const REDRAW: Duration = Duration::from_millis(100);

impl Progress {
    /// Starts showing progress for `label` (a file name); nothing is shown if `!enabled`.
    pub fn new(label: impl Into<String>, total: Option<u64>, enabled: bool) -> Self {
        let progress = Self {
            label: label.into(),
            total,
            done: 0,
            start: Instant::now(),
            last_draw: None,
            terminal: std::io::stderr().is_terminal(),
            enabled,
        };
        if enabled && !progress.terminal {
            let size = total.map_or(String::new(), |t| format!(" ({})", bytes(t)));
            eprintln!("downloading {}{size}", progress.label);
        }
        progress
    }

    /// Records `n` more bytes.
    pub fn advance(&mut self, n: u64) {
        self.done += n;
        if self.enabled && self.terminal && self.last_draw.is_none_or(|t| t.elapsed() >= REDRAW) {
            self.last_draw = Some(Instant::now());
            eprint!("\r{}\x1b[K", self.line());
        }
    }

    /// Ends the display with a final line (also on failure, with what was reached).
    pub fn finish(&mut self) {
        if !self.enabled {
            return;
        }
        if self.terminal {
            eprintln!("\r{}\x1b[K", self.line());
        } else {
            eprintln!(
                "downloaded {}: {} in {:.1} s",
                self.label,
                bytes(self.done),
                self.start.elapsed().as_secs_f64()
            );
        }
    }

    /// `label [=====>     ]  4.2/9.9 MB  12.3 MB/s  ETA 0:01`
    fn line(&self) -> String {
        let secs = self.start.elapsed().as_secs_f64().max(1e-3);
        let rate = self.done as f64 / secs;
        match self.total {
            Some(total) if total > 0 => {
                let frac = (self.done as f64 / total as f64).min(1.0);
                let filled = (frac * WIDTH as f64) as usize;
                let bar: String = (0..WIDTH)
                    .map(|i| match i.cmp(&filled) {
                        std::cmp::Ordering::Less => '=',
                        std::cmp::Ordering::Equal => '>',
                        std::cmp::Ordering::Greater => ' ',
                    })
                    .collect();
                let eta = if rate > 0.0 {
                    clock(total.saturating_sub(self.done) as f64 / rate)
                } else {
                    "?".into()
                };
                format!(
                    "{} [{bar}] {}/{}  {}/s  ETA {eta}",
                    self.label,
                    bytes(self.done),
                    bytes(total),
                    bytes(rate as u64)
                )
            }
            _ => format!(
                "{}  {}  {}/s",
                self.label,
                bytes(self.done),
                bytes(rate as u64)
            ),
        }
    }
}

/// `123 B`, `4.2 kB`, `9.9 MB`, `1.2 GB` (decimal units).
pub fn bytes(n: u64) -> String {
    let n = n as f64;
    match n {
        n if n < 1e3 => format!("{n} B"),
        n if n < 1e6 => format!("{:.1} kB", n / 1e3),
        n if n < 1e9 => format!("{:.1} MB", n / 1e6),
        n => format!("{:.2} GB", n / 1e9),
    }
}

/// `m:ss` or `h:mm:ss`.
fn clock(secs: f64) -> String {
    let s = secs.round() as u64;
    if s >= 3600 {
        format!("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
    } else {
        format!("{}:{:02}", s / 60, s % 60)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_sizes_and_times() {
        assert_eq!(bytes(512), "512 B");
        assert_eq!(bytes(9_912_422), "9.9 MB");
        assert_eq!(clock(61.4), "1:01");
        assert_eq!(clock(3725.0), "1:02:05");
        let mut p = Progress::new("x.gz", Some(1000), false);
        p.advance(500);
        assert!(
            p.line()
                .starts_with("x.gz [============>           ] 500 B/1.0 kB")
        );
    }
}
