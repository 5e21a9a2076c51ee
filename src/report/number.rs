//! Numbers as reports show them: rounded to six decimals as `format!("{value:.6}")` rounds them, then
//! without trailing zeros or a trailing point, and never `-0`.
//!
//! A report writes a few numbers per row and hundreds of thousands of rows, so the usual case is done
//! with integer arithmetic: below 10⁶ in magnitude, `value × 10⁶` computed in an `f64` is within 2⁻¹³
//! of the exact product (it is below 2⁴⁰, where an `f64` step is 2⁻¹²), so it rounds to the same
//! integer as the exact product unless its fraction lies that close to one half. Those values, and
//! every larger, non-finite or tie-like one, go through the standard formatter.

use std::fmt::Write;

/// Appends `value` as a report shows it.
pub fn push(out: &mut String, value: f64) {
    match micros(value) {
        Some(micros) => push_micros(out, micros),
        None => push_formatted(out, value),
    }
}

/// `value` as a report shows it.
pub fn number(value: f64) -> String {
    let mut text = String::new();
    push(&mut text, value);
    text
}

/// `value × 10⁶` rounded to the nearest integer, when the `f64` product is sure to round as the
/// exact one does (see the module doc).
fn micros(value: f64) -> Option<i64> {
    const MARGIN: f64 = 1e-3;
    if value.is_nan() || value.abs() >= 1e6 {
        return None;
    }
    let scaled = value * 1e6;
    let rounded = scaled.round();
    if ((scaled - rounded).abs() - 0.5).abs() < MARGIN {
        return None;
    }
    Some(rounded as i64)
}

fn push_micros(out: &mut String, micros: i64) {
    if micros == 0 {
        out.push('0');
        return;
    }
    if micros < 0 {
        out.push('-');
    }
    let magnitude = micros.unsigned_abs();
    let (whole, mut fraction) = (magnitude / 1_000_000, magnitude % 1_000_000);
    push_count(out, whole);
    if fraction == 0 {
        return;
    }
    let mut digits = 6;
    while fraction % 10 == 0 {
        fraction /= 10;
        digits -= 1;
    }
    out.push('.');
    push_digits(out, fraction, digits);
}

/// Appends `count` in decimal, as `{count}` formats it.
pub fn push_count(out: &mut String, count: u64) {
    let digits = count.checked_ilog10().map_or(1, |log| log as usize + 1);
    push_digits(out, count, digits);
}

/// Appends the lowest `digits` decimal digits of `value`, zero-padded on the left.
fn push_digits(out: &mut String, mut value: u64, digits: usize) {
    let mut text = [b'0'; 20];
    for at in (0..digits).rev() {
        text[at] = b'0' + (value % 10) as u8;
        value /= 10;
    }
    out.push_str(std::str::from_utf8(&text[..digits]).expect("ASCII digits"));
}

fn push_formatted(out: &mut String, value: f64) {
    let start = out.len();
    write!(out, "{value:.6}").expect("writing to a String");
    let kept = out[start..]
        .trim_end_matches('0')
        .trim_end_matches('.')
        .len();
    out.truncate(start + kept);
    if &out[start..] == "-0" {
        out.truncate(start);
        out.push('0');
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// The rule written plainly: the standard formatter, trimmed.
    fn formatted(value: f64) -> String {
        let mut text = String::new();
        push_formatted(&mut text, value);
        text
    }

    #[test]
    fn numbers_are_rounded_to_six_decimals_and_trimmed() {
        assert_eq!(number(0.5714285714285714), "0.571429");
        assert_eq!(number(12.5), "12.5");
        assert_eq!(number(20.0), "20");
        assert_eq!(number(0.0000004), "0");
        assert_eq!(number(-0.0000004), "0");
        assert_eq!(number(-0.0), "0");
        assert_eq!(number(-2.25), "-2.25");
        assert_eq!(number(0.000001), "0.000001");
        assert_eq!(number(999_999.999_999_4), "999999.999999");
        assert_eq!(number(1e6), "1000000");
        assert_eq!(number(f64::NAN), "NaN");
        assert_eq!(number(f64::INFINITY), "inf");
    }

    #[test]
    fn values_near_a_half_millionth_are_left_to_the_formatter() {
        // 1/128 = 0.0078125 exactly: a tie at the sixth decimal.
        assert_eq!(micros(1.0 / 128.0), None);
        assert_eq!(number(1.0 / 128.0), formatted(1.0 / 128.0));
        // 0.0000025 is not exact in binary: which side it falls is the formatter's to say.
        assert_eq!(micros(0.0000025), None);
        assert_eq!(number(0.0000025), formatted(0.0000025));
        assert_eq!(micros(0.25), Some(250_000));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(20_000))]

        #[test]
        fn any_value_shows_as_the_formatter_shows_it(value in prop::num::f64::ANY) {
            prop_assert_eq!(number(value), formatted(value));
        }

        #[test]
        fn report_like_values_show_as_the_formatter_shows_them(
            numerator in 0u64..100_000_000,
            denominator in 1u64..100_000,
            negative in any::<bool>(),
        ) {
            let value = numerator as f64 / denominator as f64;
            let value = if negative { -value } else { value };
            prop_assert_eq!(number(value), formatted(value));
        }

        #[test]
        fn counts_show_as_the_formatter_shows_them(count in any::<u64>(), small in 0u64..1_000) {
            for count in [count, small, u64::MAX, 0, 9, 10] {
                let mut text = String::new();
                push_count(&mut text, count);
                prop_assert_eq!(text, count.to_string());
            }
        }

        #[test]
        fn milliseconds_as_seconds_show_as_the_formatter_shows_them(ms in -1_000_000_000i64..1_000_000_000) {
            let value = ms as f64 / 1000.0;
            prop_assert_eq!(number(value), formatted(value));
        }
    }
}
