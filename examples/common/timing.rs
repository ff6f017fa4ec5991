//! Timing helpers shared by the measurement examples (`profile`, `shape_floor`): wall-clock
//! and this process's CPU time, single runs and medians.

use std::time::Instant;

/// This process's CPU time (user + system, all threads) in milliseconds, from
/// `/proc/self/stat` (Linux; 10 ms ticks); `0` where unavailable.
pub fn cpu_ms() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
    let rest = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let ticks: f64 = rest
        .split_whitespace()
        .skip(11)
        .take(2)
        .filter_map(|t| t.parse::<f64>().ok())
        .sum();
    ticks * 10.0
}

/// Runs `f`, returning its result and "wall ms (cpu ms)": on a shared machine the CPU time
/// is the steadier measure of work, the wall time what a user waits.
pub fn timed<T>(f: impl FnOnce() -> T) -> (T, f64, f64) {
    let (start, cpu) = (Instant::now(), cpu_ms());
    let out = f();
    (out, start.elapsed().as_secs_f64() * 1e3, cpu_ms() - cpu)
}

/// The run of median wall time among `runs` timings of `f` (at least one), as (wall ms,
/// process CPU ms).
pub fn median(runs: usize, mut f: impl FnMut()) -> (f64, f64) {
    let mut times: Vec<(f64, f64)> = (0..runs.max(1))
        .map(|_| {
            let ((), wall, cpu) = timed(&mut f);
            (wall, cpu)
        })
        .collect();
    times.sort_by(|a, b| a.0.total_cmp(&b.0));
    times[times.len() / 2]
}

/// Formats a wall and CPU time pair.
pub fn cell(wall: f64, cpu: f64) -> String {
    format!("{wall:.0} ({cpu:.0})")
}
