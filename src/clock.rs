//! Time, in the two spellings PortSleuth uses: RFC 3339 in UTC for reports and records (the
//! same bytes wherever the report is read), and the local time of this machine for people.

use jiff::{tz::TimeZone, Timestamp};

/// Now, as RFC 3339 UTC to the second (`2026-11-26T14:03:07Z`).
pub fn now_rfc3339() -> String {
    rfc3339(Timestamp::now().as_second())
}

/// Seconds since the Unix epoch as RFC 3339 UTC.
pub fn rfc3339(secs: i64) -> String {
    Timestamp::from_second(secs)
        .unwrap_or(Timestamp::UNIX_EPOCH)
        .strftime("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

/// An RFC 3339 time as this machine's local time for a person (`2026-11-26 15:03:07`), or the
/// text as it was when it is not a time.
pub fn local(rfc3339: &str) -> String {
    match rfc3339.parse::<Timestamp>() {
        Ok(t) => t
            .to_zoned(TimeZone::system())
            .strftime("%Y-%m-%d %H:%M:%S")
            .to_string(),
        Err(_) => rfc3339.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_are_calendar_correct() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339(1_795_700_000), "2026-11-26T13:33:20Z");
    }

    #[test]
    fn a_time_that_is_not_one_is_shown_as_it_was() {
        assert_eq!(local("yesterday"), "yesterday");
        assert_eq!(local("2026-11-26T13:33:20Z").len(), 19);
    }
}
