//! Logs an operator can read, shaped like Substrate's: `2026-11-22 02:42:41 Imported #12
//! (0x1234…cdef)` on stderr, the level shown only for warnings and errors, filtered by
//! `-l target=level` (default `info`).

use std::fmt;

use anyhow::{anyhow, Result};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::{
    filter::Targets,
    fmt::{format::Writer, FmtContext, FormatEvent, FormatFields},
    layer::SubscriberExt,
    registry::LookupSpan,
    util::SubscriberInitExt,
};

/// Year, month, day, hour, minute, second (UTC) of a Unix time.
fn civil(unix: u64) -> (i64, u32, u32, u64, u64, u64) {
    let days = (unix / 86_400) as i64;
    let seconds = unix % 86_400;
    // Howard Hinnant's days-to-civil algorithm.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day, seconds / 3_600, seconds % 3_600 / 60, seconds % 60)
}

/// Today's date (UTC) as `YYYY-MM-DD`.
#[cfg_attr(not(feature = "runtime-benchmarks"), allow(dead_code))]
pub fn today() -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let (year, month, day, ..) = civil(now);
    format!("{year:04}-{month:02}-{day:02}")
}

struct SubstrateFormat;

impl<S, N> FormatEvent<S, N> for SubstrateFormat
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        let (year, month, day, hour, minute, second) = civil(now);
        write!(writer, "{year:04}-{month:02}-{day:02} {hour:02}:{minute:02}:{second:02} ")?;
        let metadata = event.metadata();
        match *metadata.level() {
            Level::INFO => {}
            Level::WARN | Level::ERROR => write!(writer, "{} ", metadata.level())?,
            _ => write!(writer, "{} {}: ", metadata.level(), metadata.target())?,
        }
        ctx.field_format().format_fields(writer.by_ref(), event)?;
        writeln!(writer)
    }
}

/// Installs the logger with the `-l` filters.
pub fn init(filters: &[String]) -> Result<()> {
    let mut spec = String::from("info");
    for filter in filters {
        spec.push(',');
        spec.push_str(filter);
    }
    let targets: Targets = spec.parse().map_err(|e| anyhow!("invalid log filter `{spec}`: {e}"))?;
    let layer = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .event_format(SubstrateFormat);
    tracing_subscriber::registry().with(layer).with(targets).try_init().map_err(|e| anyhow!("{e}"))
}

#[cfg(test)]
mod tests {
    #[test]
    fn civil_dates() {
        assert_eq!(super::civil(0), (1970, 1, 1, 0, 0, 0));
        // 2026-11-22 02:42:41 UTC
        assert_eq!(super::civil(1_795_315_361), (2026, 11, 22, 2, 42, 41));
        // 2024-02-29 23:59:59 UTC, a leap day
        assert_eq!(super::civil(1_709_251_199), (2024, 2, 29, 23, 59, 59));
    }
}
