//! Native anchor of bench/sweep.py: the exhaustive tier's work, compiled natively.
//!
//! The price module's own `lib.rs` is built as the native cdylib it declares and
//! linked here as a shared library, so every case is one real, non-inlined call
//! through the dynamic linker's table. Each case is classified as the tier's sweep
//! module classifies it: in bounds (0 <= price <= max), below zero, NaN (f32 results),
//! above max (the rest); an in-bounds result whose exact product count x unit price
//! is at most `wrap_low` or at least `wrap_high` is a wrap suspect; an in-bounds
//! result below the highest in-bounds result at a smaller count (same hour and unit
//! price) is a falling price; the first ten cases of each finding are kept. Hours are
//! shared out to `workers` threads, like the tier's blocks.
//!
//! Build flags: `--cfg hour` when price_func takes the hour, `--cfg f32_result` when
//! it returns f32. Arguments: max_count max_unit_price max_price wrap_low wrap_high
//! workers. Prints the class totals, the wall time and the CPU time of the sweep
//! (threads included, process start excluded).

use std::os::raw::{c_int, c_long};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Instant;

#[cfg(f32_result)]
type Price = f32;
#[cfg(not(f32_result))]
type Price = i32;

#[link(name = "price")]
extern "C" {
    #[cfg(hour)]
    fn price_func(count: i32, unit_price: i32, hour: i32) -> Price;
    #[cfg(not(hour))]
    fn price_func(count: i32, unit_price: i32) -> Price;
}

#[inline(always)]
fn price(count: i32, unit: i32, _hour: i32) -> Price {
    #[cfg(hour)]
    return unsafe { price_func(count, unit, _hour) };
    #[cfg(not(hour))]
    return unsafe { price_func(count, unit) };
}

#[cfg(not(f32_result))]
#[inline(always)]
fn in_bounds(r: Price, max: Price) -> bool {
    (r as u32) <= max as u32
}
#[cfg(f32_result)]
#[inline(always)]
fn in_bounds(r: Price, max: Price) -> bool {
    r >= 0.0 && r <= max
}

const EXAMPLES: usize = 10;

#[repr(C)]
struct Timespec {
    tv_sec: c_long,
    tv_nsec: c_long,
}

extern "C" {
    fn clock_gettime(clock: c_int, time: *mut Timespec) -> c_int;
}

/// CPU time of the whole process, all threads (CLOCK_PROCESS_CPUTIME_ID on Linux).
fn cpu_seconds() -> f64 {
    let mut t = Timespec { tv_sec: 0, tv_nsec: 0 };
    unsafe { clock_gettime(2, &mut t) };
    t.tv_sec as f64 + t.tv_nsec as f64 * 1e-9
}

#[derive(Default)]
struct Totals {
    in_bounds: u64,
    below_zero: u64,
    not_a_number: u64,
    wraps: u64,
    falls: u64,
    examples: [Vec<(i32, i32, i32)>; 3],
}

struct Domain {
    max_count: i32,
    max_unit: i32,
    max_price: Price,
    wrap_low: i64,
    wrap_high: i64,
}

fn keep(list: &mut Vec<(i32, i32, i32)>, case: (i32, i32, i32)) {
    if list.len() < EXAMPLES {
        list.push(case);
    }
}

fn hour(d: &Domain, hour: i32, highest: &mut [Price], t: &mut Totals) {
    for h in highest.iter_mut() {
        *h = 0 as Price;
    }
    for count in 0..=d.max_count {
        for unit in 0..=d.max_unit {
            let r = price(count, unit, hour);
            if in_bounds(r, d.max_price) {
                t.in_bounds += 1;
                let p = count as i64 * unit as i64;
                if p <= d.wrap_low || p >= d.wrap_high {
                    t.wraps += 1;
                    keep(&mut t.examples[1], (hour, count, unit));
                }
                let h = &mut highest[unit as usize];
                if r < *h {
                    t.falls += 1;
                    keep(&mut t.examples[2], (hour, count, unit));
                } else {
                    *h = r;
                }
            } else {
                t.below_zero += (r < 0 as Price) as u64;
                #[allow(clippy::eq_op)]
                {
                    t.not_a_number += (r != r) as u64;
                }
                keep(&mut t.examples[0], (hour, count, unit));
            }
        }
    }
}

fn main() {
    let a: Vec<String> = std::env::args().skip(1).collect();
    let int = |i: usize| a[i].parse::<i64>().expect("integer argument");
    let d = Arc::new(Domain {
        max_count: int(0) as i32,
        max_unit: int(1) as i32,
        max_price: int(2) as Price,
        wrap_low: int(3),
        wrap_high: int(4),
    });
    let workers = int(5) as usize;
    let next = Arc::new(AtomicUsize::new(0));
    let (started, cpu_started) = (Instant::now(), cpu_seconds());
    let threads: Vec<_> = (0..workers)
        .map(|_| {
            let (d, next) = (Arc::clone(&d), Arc::clone(&next));
            std::thread::spawn(move || {
                let mut highest = vec![0 as Price; d.max_unit as usize + 1];
                let mut t = Totals::default();
                loop {
                    let h = next.fetch_add(1, Ordering::Relaxed);
                    if h >= 24 {
                        return t;
                    }
                    hour(&d, h as i32, &mut highest, &mut t);
                }
            })
        })
        .collect();
    let mut total = Totals::default();
    for thread in threads {
        let t = thread.join().expect("worker");
        total.in_bounds += t.in_bounds;
        total.below_zero += t.below_zero;
        total.not_a_number += t.not_a_number;
        total.wraps += t.wraps;
        total.falls += t.falls;
        for (mine, theirs) in total.examples.iter_mut().zip(t.examples) {
            mine.extend(theirs);
            mine.truncate(EXAMPLES);
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    let cpu = cpu_seconds() - cpu_started;
    println!(
        "in_bounds {} below_zero {} not_a_number {} wrap {} falling {} examples {} \
         seconds {:.6} cpu_seconds {:.6}",
        total.in_bounds,
        total.below_zero,
        total.not_a_number,
        total.wraps,
        total.falls,
        total.examples.iter().map(|e| e.len()).sum::<usize>(),
        seconds,
        cpu
    );
}
