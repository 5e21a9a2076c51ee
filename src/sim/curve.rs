//! The shape of a contact-center day: relative inbound arrival rate by hour of day (1.0 at the peak) —
//! quiet night, morning ramp, late-morning peak, lunch dip, afternoon peak, evening decline.

use crate::center::settings::HOUR;
use crate::event::Millis;

const BY_HOUR: [f64; 24] = [
    0.03, 0.02, 0.02, 0.02, 0.03, 0.05, 0.12, 0.35, 0.70, 0.92, 1.00, 0.97, 0.72, 0.80, 0.93, 0.95,
    0.85, 0.65, 0.45, 0.30, 0.20, 0.12, 0.07, 0.04,
];

/// Relative arrival rate at `offset` ms after the start of a day, interpolated between hours.
pub fn relative_rate(offset: Millis) -> f64 {
    let in_day = offset.rem_euclid(24 * HOUR);
    let hour = (in_day / HOUR) as usize;
    let fraction = (in_day % HOUR) as f64 / HOUR as f64;
    let next = BY_HOUR[(hour + 1) % 24];
    BY_HOUR[hour] + (next - BY_HOUR[hour]) * fraction
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_peak_is_late_morning_and_the_night_is_quiet() {
        assert_eq!(relative_rate(10 * HOUR), 1.0);
        assert!(relative_rate(3 * HOUR) < 0.05);
        assert!((relative_rate(10 * HOUR + HOUR / 2) - 0.985).abs() < 1e-9);
        assert!(BY_HOUR.iter().all(|rate| *rate > 0.0 && *rate <= 1.0));
    }
}
