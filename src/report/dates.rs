//! Dates of articles and the periods they fall in: ISO 8601 dates and datetimes
//! (`2024-03-05`, `2024-03-05T10:00:00Z`, `2024-03-05 10:00`), bucketed by day, ISO week or month.

/// How the over-time section groups dates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
pub enum Period {
    Day,
    #[default]
    Week,
    Month,
}

impl Period {
    /// The period for an archive whose dates span `days` days: a day under two months, a week
    /// under two years, a month beyond (a chart then has a few dozen points at most, not
    /// hundreds).
    pub fn for_span(days: i64) -> Self {
        if days < 62 {
            Self::Day
        } else if days < 730 {
            Self::Week
        } else {
            Self::Month
        }
    }

    /// `day`, `week` or `month`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Day => "day",
            Self::Week => "week",
            Self::Month => "month",
        }
    }
}

/// A calendar date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    pub year: i32,
    pub month: u32,
    pub day: u32,
}

impl Date {
    /// The date at the start of `s` (an ISO 8601 date or datetime), or `None`.
    pub fn parse(s: &str) -> Option<Self> {
        let s = s.trim();
        let b = s.as_bytes();
        if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
            return None;
        }
        if b.len() > 10 && !matches!(b[10], b'T' | b't' | b' ') {
            return None;
        }
        let num = |r: std::ops::Range<usize>| -> Option<u32> {
            let t = s.get(r)?;
            t.bytes()
                .all(|c| c.is_ascii_digit())
                .then(|| t.parse().ok())?
        };
        let (year, month, day) = (num(0..4)? as i32, num(5..7)?, num(8..10)?);
        let d = Self { year, month, day };
        ((1..=12).contains(&month) && day >= 1 && day <= days_in_month(year, month)).then_some(d)
    }

    /// Days since 1970-01-01 (negative before).
    pub fn days(self) -> i64 {
        // Howard Hinnant's days_from_civil.
        let y = self.year as i64 - i64::from(self.month <= 2);
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let m = self.month as i64;
        let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + self.day as i64 - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    }

    /// The date `z` days after 1970-01-01.
    pub fn from_days(z: i64) -> Self {
        let z = z + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
        let year = (yoe + era * 400 + i64::from(month <= 2)) as i32;
        Self { year, month, day }
    }

    /// ISO weekday, Monday 1 … Sunday 7.
    pub fn weekday(self) -> u32 {
        ((self.days() + 3).rem_euclid(7) + 1) as u32
    }

    /// The ISO week (year, week number 1–53).
    pub fn iso_week(self) -> (i32, u32) {
        // The week's Thursday decides its year.
        let thursday = Self::from_days(self.days() - self.weekday() as i64 + 4);
        let jan1 = Self {
            year: thursday.year,
            month: 1,
            day: 1,
        };
        let week = ((thursday.days() - jan1.days()) / 7 + 1) as u32;
        (thursday.year, week)
    }

    /// The first day of the period the date falls in (a week starts on Monday).
    pub fn period_start(self, by: Period) -> Self {
        match by {
            Period::Day => self,
            Period::Week => Self::from_days(self.days() - self.weekday() as i64 + 1),
            Period::Month => Self { day: 1, ..self },
        }
    }

    /// The first day of the period after the one the date falls in.
    pub fn next_period_start(self, by: Period) -> Self {
        let start = self.period_start(by);
        match by {
            Period::Day => Self::from_days(start.days() + 1),
            Period::Week => Self::from_days(start.days() + 7),
            Period::Month if start.month == 12 => Self {
                year: start.year + 1,
                month: 1,
                day: 1,
            },
            Period::Month => Self {
                month: start.month + 1,
                ..start
            },
        }
    }

    /// The label of the period the date falls in: `2024-03-05`, `2024-W10` or `2024-03`.
    pub fn period(self, by: Period) -> String {
        match by {
            Period::Day => format!("{:04}-{:02}-{:02}", self.year, self.month, self.day),
            Period::Week => {
                let (y, w) = self.iso_week();
                format!("{y:04}-W{w:02}")
            }
            Period::Month => format!("{:04}-{:02}", self.year, self.month),
        }
    }
}

fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        4 | 6 | 9 | 11 => 30,
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        _ => 31,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_datetimes_parse_and_bad_ones_do_not() {
        let d = Date::parse("2024-03-05").unwrap();
        assert_eq!((d.year, d.month, d.day), (2024, 3, 5));
        assert_eq!(Date::parse("2024-03-05T10:00:00Z"), Some(d));
        assert_eq!(Date::parse(" 2024-03-05 10:00 "), Some(d));
        for bad in [
            "2024-02-30",
            "2023-02-29",
            "05/03/2024",
            "2024-3-5",
            "",
            "2024-03-05X",
            "yesterday",
        ] {
            assert_eq!(Date::parse(bad), None, "{bad}");
        }
        assert!(Date::parse("2024-02-29").is_some());
    }

    #[test]
    fn periods_follow_the_calendar_and_iso_weeks() {
        let p = |s: &str, by| Date::parse(s).unwrap().period(by);
        assert_eq!(p("2024-03-05", Period::Month), "2024-03");
        assert_eq!(p("2024-03-05", Period::Day), "2024-03-05");
        // ISO weeks: 2024-01-01 is a Monday (week 1); 2021-01-03 is a Sunday in 2020's week 53;
        // 2024-12-30 is a Monday in 2025's week 1.
        assert_eq!(p("2024-01-01", Period::Week), "2024-W01");
        assert_eq!(p("2021-01-03", Period::Week), "2020-W53");
        assert_eq!(p("2024-12-30", Period::Week), "2025-W01");
        assert_eq!(p("2024-03-05", Period::Week), "2024-W10");
        assert_eq!(Date::parse("1970-01-01").unwrap().days(), 0);
        assert_eq!(Date::parse("2024-01-01").unwrap().weekday(), 1);
        let d = |s: &str| Date::parse(s).unwrap();
        assert_eq!(d("2024-03-07").period_start(Period::Week), d("2024-03-04"));
        assert_eq!(
            d("2024-03-07").next_period_start(Period::Week),
            d("2024-03-11")
        );
        assert_eq!(
            d("2024-12-07").next_period_start(Period::Month),
            d("2025-01-01")
        );
        assert_eq!(
            d("2024-02-29").next_period_start(Period::Day),
            d("2024-03-01")
        );
        assert_eq!(Period::for_span(30), Period::Day);
        assert_eq!(Period::for_span(400), Period::Week);
        assert_eq!(Period::for_span(800), Period::Month);
        for z in [-1000, 0, 59, 60, 19_000, 20_000] {
            assert_eq!(Date::from_days(z).days(), z);
        }
    }
}
