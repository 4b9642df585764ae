//! Local time: the fixed UTC offset, local dates and the daily windows.
//!
//! Rules R2 (ad SMS 07:00–22:00) and R3 (ad calls 08:00–17:00) of docs/rules.md, Decree 91
//! Art.13(6); R6 puts registration messages in the SMS window. Vietnam time
//! is UTC+7 with no daylight saving, so local time is a fixed offset and the
//! check is integer arithmetic on the event's Unix time.

use std::fmt;

use jiff::Timestamp;

const DAY: i64 = 86_400;

/// A fixed offset from UTC, in seconds (`+07:00` = 25 200).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct UtcOffset(i32);

impl Default for UtcOffset {
    fn default() -> Self {
        UtcOffset::VIETNAM
    }
}

impl UtcOffset {
    /// Vietnam: UTC+7.
    pub const VIETNAM: UtcOffset = UtcOffset(7 * 3600);

    /// An offset of `seconds` east of UTC; `None` beyond ±24 h.
    pub fn from_seconds(seconds: i32) -> Option<UtcOffset> {
        (seconds.abs() < DAY as i32).then_some(UtcOffset(seconds))
    }

    /// Seconds east of UTC.
    pub fn seconds(self) -> i32 {
        self.0
    }

    /// Parses `+HH:MM` or `-HH:MM` (also `Z`).
    ///
    /// ```
    /// use chanrac::window::UtcOffset;
    /// assert_eq!(UtcOffset::parse("+07:00").unwrap().seconds(), 25_200);
    /// assert_eq!(UtcOffset::parse("-05:30").unwrap().seconds(), -19_800);
    /// assert!(UtcOffset::parse("07:00").is_none());
    /// ```
    pub fn parse(s: &str) -> Option<UtcOffset> {
        let s = s.trim();
        if s.eq_ignore_ascii_case("z") {
            return Some(UtcOffset(0));
        }
        let (sign, rest) = match s.as_bytes().first()? {
            b'+' => (1, &s[1..]),
            b'-' => (-1, &s[1..]),
            _ => return None,
        };
        let (h, m) = rest.split_once(':')?;
        if h.len() != 2 || m.len() != 2 {
            return None;
        }
        let h: i32 = h.parse().ok()?;
        let m: i32 = m.parse().ok()?;
        if h > 23 || m > 59 {
            return None;
        }
        UtcOffset::from_seconds(sign * (h * 3600 + m * 60))
    }

    /// Local seconds since the Unix epoch (as if local time were UTC).
    fn local(self, t: Timestamp) -> i64 {
        t.as_second() + i64::from(self.0)
    }

    /// Seconds since local midnight, `0..86_400`.
    #[inline]
    pub fn second_of_day(self, t: Timestamp) -> u32 {
        self.local(t).rem_euclid(DAY) as u32
    }

    /// The local date as days since 1970-01-01.
    #[inline]
    pub fn day(self, t: Timestamp) -> i32 {
        self.local(t).div_euclid(DAY) as i32
    }
}

impl fmt::Display for UtcOffset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = if self.0 < 0 { '-' } else { '+' };
        let a = self.0.abs();
        write!(f, "{s}{:02}:{:02}", a / 3600, a % 3600 / 60)
    }
}

/// Days since 1970-01-01 of a civil date (for validity dates).
pub fn day_number(date: jiff::civil::Date) -> i32 {
    // Howard Hinnant's days_from_civil.
    let (y, m, d) = (
        i32::from(date.year()),
        i32::from(date.month()),
        i32::from(date.day()),
    );
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// A daily window `a-b`: local times `a ≤ t < b`, minute precision.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Window {
    start: u32,
    end: u32,
}

/// Why a window string is not valid.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum WindowError {
    /// Not of the form `HH:MM-HH:MM`.
    Syntax,
    /// The start is not before the end.
    Empty,
}

impl fmt::Display for WindowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            WindowError::Syntax => "a window is written `HH:MM-HH:MM`",
            WindowError::Empty => "a window `a-b` needs a < b",
        })
    }
}

impl std::error::Error for WindowError {}

fn hhmm(s: &str) -> Option<u32> {
    let (h, m) = s.trim().split_once(':')?;
    if h.is_empty() || h.len() > 2 || m.len() != 2 {
        return None;
    }
    let h: u32 = h.parse().ok()?;
    let m: u32 = m.parse().ok()?;
    // 24:00 is accepted as the end of the day.
    (m < 60 && (h < 24 || (h == 24 && m == 0))).then_some(h * 3600 + m * 60)
}

impl Window {
    /// The ad SMS window, 07:00–22:00 (R2).
    pub const SMS: Window = Window {
        start: 7 * 3600,
        end: 22 * 3600,
    };
    /// The ad call window, 08:00–17:00 (R3).
    pub const CALL: Window = Window {
        start: 8 * 3600,
        end: 17 * 3600,
    };

    /// Parses `HH:MM-HH:MM`.
    ///
    /// ```
    /// use chanrac::window::Window;
    /// assert_eq!(Window::parse("07:00-22:00"), Ok(Window::SMS));
    /// assert!(Window::parse("22:00-07:00").is_err());
    /// ```
    pub fn parse(s: &str) -> Result<Window, WindowError> {
        let (a, b) = s.split_once('-').ok_or(WindowError::Syntax)?;
        let start = hhmm(a).ok_or(WindowError::Syntax)?;
        let end = hhmm(b).ok_or(WindowError::Syntax)?;
        if start >= end {
            return Err(WindowError::Empty);
        }
        Ok(Window { start, end })
    }

    /// Whether a local second of the day lies in `[start, end)`.
    #[inline]
    pub fn contains(self, second_of_day: u32) -> bool {
        self.start <= second_of_day && second_of_day < self.end
    }

    /// The start, in seconds after midnight.
    pub fn start(self) -> u32 {
        self.start
    }

    /// The end (exclusive), in seconds after midnight.
    pub fn end(self) -> u32 {
        self.end
    }
}

impl fmt::Display for Window {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:02}:{:02}-{:02}:{:02}",
            self.start / 3600,
            self.start % 3600 / 60,
            self.end / 3600,
            self.end % 3600 / 60
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn edges() {
        let o = UtcOffset::VIETNAM;
        let w = Window::SMS;
        assert!(w.contains(o.second_of_day(ts("2026-03-02T07:00:00+07:00"))));
        assert!(!w.contains(o.second_of_day(ts("2026-03-02T06:59:59+07:00"))));
        assert!(w.contains(o.second_of_day(ts("2026-03-02T21:59:59+07:00"))));
        assert!(!w.contains(o.second_of_day(ts("2026-03-02T22:00:00+07:00"))));
        // 00:30Z is 07:30 in Vietnam.
        assert!(w.contains(o.second_of_day(ts("2026-03-02T00:30:00Z"))));
        // Fractions: 21:59:59.999 is still inside.
        assert!(w.contains(o.second_of_day(ts("2026-03-02T21:59:59.999+07:00"))));
    }

    #[test]
    fn local_dates() {
        let o = UtcOffset::VIETNAM;
        let d = jiff::civil::date(2026, 3, 2);
        assert_eq!(o.day(ts("2026-03-01T23:30:00Z")), day_number(d));
        assert_eq!(o.day(ts("2026-03-01T16:59:59Z")), day_number(d) - 1);
        assert_eq!(day_number(jiff::civil::date(1970, 1, 1)), 0);
        assert_eq!(day_number(jiff::civil::date(1969, 12, 31)), -1);
        assert_eq!(day_number(jiff::civil::date(2000, 3, 1)), 11_017);
    }

    #[test]
    fn windows() {
        assert_eq!(Window::parse("8:00-17:00"), Ok(Window::CALL));
        assert_eq!(Window::parse("07:00-24:00").unwrap().end(), 86_400);
        assert_eq!(Window::parse("07:00"), Err(WindowError::Syntax));
        assert_eq!(Window::parse("07:00-07:00"), Err(WindowError::Empty));
        assert_eq!(Window::parse("25:00-26:00"), Err(WindowError::Syntax));
        assert_eq!(Window::SMS.to_string(), "07:00-22:00");
        assert_eq!(UtcOffset::VIETNAM.to_string(), "+07:00");
    }
}
