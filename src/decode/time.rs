//! Event times on the wire: RFC 3339 with an offset (`2026-11-23T09:00:00.123Z`, `…+05:45`) or integer
//! epoch milliseconds, parsed by hand on the hot path (no allocation, no time-zone database), and written
//! back as RFC 3339 UTC with milliseconds.

use crate::event::Millis;

/// Latest time accepted: 9999-12-31T23:59:59.999Z.
pub const MAX_MILLIS: Millis = 253_402_300_799_999;

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's `days_from_civil`).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month_index = (month + 9) % 12;
    let day_of_year = (153 * month_index + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// (year, month, day) of a day number since 1970-01-01.
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let days = days + 719_468;
    let era = days.div_euclid(146_097);
    let day_of_era = days - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_index + 2) / 5 + 1;
    let month = if month_index < 10 {
        month_index + 3
    } else {
        month_index - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

fn is_leap(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

fn digits(bytes: &[u8]) -> Option<i64> {
    if bytes.is_empty() || !bytes.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(
        bytes
            .iter()
            .fold(0, |value, digit| value * 10 + i64::from(digit - b'0')),
    )
}

/// Parses an RFC 3339 date-time with offset into epoch milliseconds (fractions beyond ms are truncated).
pub fn parse_rfc3339(text: &str) -> Option<Millis> {
    let bytes = text.as_bytes();
    if bytes.len() < 20
        || bytes[4] != b'-'
        || bytes[7] != b'-'
        || bytes[13] != b':'
        || bytes[16] != b':'
    {
        return None;
    }
    if !matches!(bytes[10], b'T' | b't' | b' ') {
        return None;
    }
    let year = digits(&bytes[0..4])?;
    let month = digits(&bytes[5..7])?;
    let day = digits(&bytes[8..10])?;
    let hour = digits(&bytes[11..13])?;
    let minute = digits(&bytes[14..16])?;
    let second = digits(&bytes[17..19])?;
    if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
        return None;
    }
    // Second 60 is a leap second, which lands on the next second's millisecond like chrono's does.
    if hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    let mut rest = &bytes[19..];
    let mut millis = 0;
    if let Some((b'.', fraction)) = rest.split_first() {
        let length = fraction
            .iter()
            .take_while(|byte| byte.is_ascii_digit())
            .count();
        if length == 0 || length > 9 {
            return None;
        }
        let mut scaled = fraction[..length.min(3)]
            .iter()
            .fold(0, |value, digit| value * 10 + i64::from(digit - b'0'));
        for _ in length..3 {
            scaled *= 10;
        }
        millis = scaled;
        rest = &fraction[length..];
    }
    let offset_minutes = match rest {
        [b'Z' | b'z'] => 0,
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
            let hours = digits(&[*h1, *h2])?;
            let minutes = digits(&[*m1, *m2])?;
            if hours > 23 || minutes > 59 {
                return None;
            }
            let total = hours * 60 + minutes;
            if *sign == b'-' {
                -total
            } else {
                total
            }
        }
        _ => return None,
    };
    let days = days_from_civil(year, month, day);
    let seconds = days * 86_400 + hour * 3_600 + minute * 60 + second - offset_minutes * 60;
    let time = seconds * 1_000 + millis;
    (0..=MAX_MILLIS).contains(&time).then_some(time)
}

/// `time` as RFC 3339 UTC with milliseconds: `2026-11-23T09:00:00.123Z` (the one writer of times;
/// times outside the contract's range are clamped to it).
pub fn rfc3339(time: Millis) -> String {
    let mut out = Vec::with_capacity(24);
    write_rfc3339(time.clamp(0, MAX_MILLIS), &mut out);
    String::from_utf8(out).expect("RFC 3339 text is ASCII")
}

/// Writes `time` as RFC 3339 UTC with milliseconds: `2026-11-23T09:00:00.123Z`.
pub fn write_rfc3339(time: Millis, out: &mut Vec<u8>) {
    let days = time.div_euclid(86_400_000);
    let in_day = time.rem_euclid(86_400_000);
    let (year, month, day) = civil_from_days(days);
    let (hour, minute) = (in_day / 3_600_000, in_day / 60_000 % 60);
    let (second, millis) = (in_day / 1_000 % 60, in_day % 1_000);
    let mut text = *b"0000-00-00T00:00:00.000Z";
    let mut put = |at: usize, width: usize, mut value: i64| {
        for position in (at..at + width).rev() {
            text[position] = b'0' + (value % 10) as u8;
            value /= 10;
        }
    };
    put(0, 4, year);
    put(5, 2, month);
    put(8, 2, day);
    put(11, 2, hour);
    put(14, 2, minute);
    put(17, 2, second);
    put(20, 3, millis);
    out.extend_from_slice(&text);
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn chrono_millis(text: &str) -> Option<Millis> {
        chrono::DateTime::parse_from_rfc3339(text)
            .ok()
            .map(|time| time.timestamp_millis())
    }

    #[test]
    fn known_instants() {
        assert_eq!(parse_rfc3339("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(
            parse_rfc3339("2026-11-23T09:00:00.123Z"),
            Some(1_795_424_400_123)
        );
        assert_eq!(
            parse_rfc3339("2026-11-23T14:45:00+05:45"),
            Some(1_795_424_400_000)
        );
        assert_eq!(
            parse_rfc3339("2026-11-23T04:00:00-05:00"),
            Some(1_795_424_400_000)
        );
        assert_eq!(
            parse_rfc3339("2026-11-23T09:00:00.123456789Z"),
            Some(1_795_424_400_123)
        );
        assert_eq!(
            parse_rfc3339("2028-02-29T00:00:00Z"),
            chrono_millis("2028-02-29T00:00:00Z")
        );
    }

    #[test]
    fn impossible_dates_and_shapes_are_rejected() {
        for text in [
            "2026-13-01T00:00:00Z",
            "2026-02-29T00:00:00Z",
            "2026-02-30T00:00:00Z",
            "2026-11-23T24:00:00Z",
            "2026-11-23T09:60:00Z",
            "2026-11-23T09:00:00",
            "2026-11-23T09:00:00.Z",
            "2026-11-23T09:00:00+24:00",
            "2026-11-23",
            "yesterday",
            "",
            "1969-12-31T23:59:59Z",
            "2026-11-23T09:00:00Zjunk",
            "２０２６-11-23T09:00:00Z",
        ] {
            assert_eq!(parse_rfc3339(text), None, "{text}");
        }
    }

    #[test]
    fn writing_round_trips() {
        let mut out = Vec::new();
        write_rfc3339(1_795_424_400_123, &mut out);
        assert_eq!(out, b"2026-11-23T09:00:00.123Z");
    }

    proptest! {
        #[test]
        fn agrees_with_chrono(
            year in 1970i64..9999, month in 1i64..=12, day in 1i64..=31, hour in 0i64..24, minute in 0i64..60,
            second in 0i64..60, fraction in prop::option::of("[0-9]{1,9}"), offset in prop::option::of((any::<bool>(), 0i64..24, 0i64..60)),
        ) {
            let fraction = fraction.map(|digits| format!(".{digits}")).unwrap_or_default();
            let offset = offset.map_or("Z".to_string(), |(east, h, m)| format!("{}{h:02}:{m:02}", if east { '+' } else { '-' }));
            let text = format!("{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}{fraction}{offset}");
            let expected = chrono_millis(&text).filter(|time| (0..=MAX_MILLIS).contains(time));
            prop_assert_eq!(parse_rfc3339(&text), expected, "{}", text);
            if let Some(time) = expected {
                let mut out = Vec::new();
                write_rfc3339(time, &mut out);
                prop_assert_eq!(parse_rfc3339(std::str::from_utf8(&out).unwrap()), Some(time));
            }
        }
    }
}
