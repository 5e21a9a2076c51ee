//! When a tenant's daily report is due: the report of local day D is sent at the local time `at` of
//! day D + 1. Pure: the caller passes `now`. A local time a daylight-saving change skips is sent at the
//! first local time after the gap; one it repeats, at its first occurrence.

use chrono::{DateTime, LocalResult, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;

/// A local time of day written `"HH:MM"` (`"07:00"`).
pub fn parse_local_time(text: &str) -> Option<NaiveTime> {
    let (hour, minute) = text.trim().split_once(':')?;
    if hour.len() != 2 || minute.len() != 2 {
        return None;
    }
    NaiveTime::from_hms_opt(hour.parse().ok()?, minute.parse().ok()?, 0)
}

/// The instant the local time `at` of `date` happens in `zone` (see the module comment for DST days).
pub fn send_instant(zone: Tz, date: NaiveDate, at: NaiveTime) -> DateTime<Utc> {
    let local = date.and_time(at);
    match zone.from_local_datetime(&local) {
        LocalResult::Single(time) => time.with_timezone(&Utc),
        LocalResult::Ambiguous(first, _) => first.with_timezone(&Utc),
        LocalResult::None => {
            // In a gap: the first whole local minute after it (gaps are at most a few hours).
            (1..=24 * 60)
                .find_map(|minutes| {
                    zone.from_local_datetime(&(local + chrono::Duration::minutes(minutes)))
                        .earliest()
                })
                .map_or_else(|| local.and_utc(), |time| time.with_timezone(&Utc))
        }
    }
}

/// The latest local day whose report time has come at `now`.
pub fn latest_due(zone: Tz, at: NaiveTime, now: DateTime<Utc>) -> NaiveDate {
    let today = now.with_timezone(&zone).date_naive();
    let yesterday = today.pred_opt().unwrap_or(today);
    if now >= send_instant(zone, today, at) {
        yesterday
    } else {
        yesterday.pred_opt().unwrap_or(yesterday)
    }
}

/// The day whose report is due at `now`, given the last day sent: the latest due day, unless it (or a
/// later one) was sent. Older missed days are not sent late: a report names the latest finished day.
pub fn due(
    zone: Tz,
    at: NaiveTime,
    now: DateTime<Utc>,
    last_sent: Option<NaiveDate>,
) -> Option<NaiveDate> {
    let day = latest_due(zone, at, now);
    (last_sent < Some(day)).then_some(day)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .unwrap()
            .with_timezone(&Utc)
    }

    fn date(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    fn time(text: &str) -> NaiveTime {
        parse_local_time(text).unwrap()
    }

    #[test]
    fn local_times_parse_only_as_hh_mm() {
        assert_eq!(parse_local_time("07:00"), NaiveTime::from_hms_opt(7, 0, 0));
        assert_eq!(
            parse_local_time("23:59"),
            NaiveTime::from_hms_opt(23, 59, 0)
        );
        for bad in [
            "7:00", "24:00", "07:60", "0700", "", "07:00:00", "aa:bb", "-1:00",
        ] {
            assert_eq!(parse_local_time(bad), None, "{bad}");
        }
    }

    #[test]
    fn in_utc_yesterday_is_due_from_the_set_time_on() {
        let zone = chrono_tz::UTC;
        // 06:59:59 on 1 December: the set time has not come, so 29 November is the latest due day.
        assert_eq!(
            latest_due(zone, time("07:00"), utc("2026-12-01T06:59:59Z")),
            date("2026-11-29")
        );
        assert_eq!(
            latest_due(zone, time("07:00"), utc("2026-12-01T07:00:00Z")),
            date("2026-11-30")
        );
        let now = utc("2026-12-01T07:00:00Z");
        assert_eq!(
            due(zone, time("07:00"), now, Some(date("2026-11-29"))),
            Some(date("2026-11-30"))
        );
        assert_eq!(
            due(zone, time("07:00"), now, None),
            Some(date("2026-11-30"))
        );
        assert_eq!(
            due(zone, time("07:00"), now, Some(date("2026-11-30"))),
            None
        );
    }

    #[test]
    fn berlin_sends_at_its_local_time_in_winter_and_summer() {
        let berlin = chrono_tz::Europe::Berlin;
        // CET is UTC+1, CEST UTC+2.
        assert_eq!(
            send_instant(berlin, date("2026-12-01"), time("07:00")),
            utc("2026-12-01T06:00:00Z")
        );
        assert_eq!(
            send_instant(berlin, date("2026-07-01"), time("07:00")),
            utc("2026-07-01T05:00:00Z")
        );
        // The day after the spring change (29 March 2026, 02:00 → 03:00) is on summer time.
        assert_eq!(
            send_instant(berlin, date("2026-03-29"), time("07:00")),
            utc("2026-03-29T05:00:00Z")
        );
        assert_eq!(
            latest_due(berlin, time("07:00"), utc("2026-03-29T04:59:00Z")),
            date("2026-03-27")
        );
        assert_eq!(
            latest_due(berlin, time("07:00"), utc("2026-03-29T05:00:00Z")),
            date("2026-03-28")
        );
    }

    #[test]
    fn a_skipped_local_time_is_sent_when_the_gap_ends() {
        let berlin = chrono_tz::Europe::Berlin;
        // 02:30 does not exist on 29 March 2026: clocks go from 02:00 CET to 03:00 CEST (01:00 UTC).
        let instant = send_instant(berlin, date("2026-03-29"), time("02:30"));
        assert_eq!(instant, utc("2026-03-29T01:00:00Z"));
        assert_eq!(
            latest_due(berlin, time("02:30"), utc("2026-03-29T00:59:59Z")),
            date("2026-03-27")
        );
        assert_eq!(
            due(
                berlin,
                time("02:30"),
                utc("2026-03-29T01:00:00Z"),
                Some(date("2026-03-27"))
            ),
            Some(date("2026-03-28"))
        );
    }

    #[test]
    fn a_repeated_local_time_is_sent_once_at_its_first_occurrence() {
        let berlin = chrono_tz::Europe::Berlin;
        // 25 October 2026: 03:00 CEST becomes 02:00 CET, so 02:30 happens at 00:30 and at 01:30 UTC.
        assert_eq!(
            send_instant(berlin, date("2026-10-25"), time("02:30")),
            utc("2026-10-25T00:30:00Z")
        );
        let first = due(
            berlin,
            time("02:30"),
            utc("2026-10-25T00:30:00Z"),
            Some(date("2026-10-23")),
        );
        assert_eq!(first, Some(date("2026-10-24")));
        // At the second 02:30 the day was sent: nothing is due.
        assert_eq!(
            due(berlin, time("02:30"), utc("2026-10-25T01:30:00Z"), first),
            None
        );
        // 07:00 on that day is 06:00 UTC (CET again).
        assert_eq!(
            send_instant(berlin, date("2026-10-25"), time("07:00")),
            utc("2026-10-25T06:00:00Z")
        );
    }
}
