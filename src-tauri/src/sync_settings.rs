//! Reading and setting the sync settings (`store::SyncPrefs`) for the
//! window; the sync engine reads them on each pass.

use crate::ipc::{AppError, ErrorField, ErrorReason, SyncSettingsInput, SyncSettingsView};

/// A megabyte as the window counts it (and the CLI: `hanout config`).
const MB: u64 = 1_000_000;
/// A daily budget above this is a typo (100 GB a day).
const MAX_BUDGET_MB: u32 = 100_000;

pub fn read(s: &store::Store, now_ms: i64) -> store::Result<SyncSettingsView> {
    let prefs = s.sync_prefs()?;
    Ok(SyncSettingsView {
        paused: prefs.paused,
        metered: prefs.metered,
        daily_budget_mb: prefs
            .daily_budget_bytes
            .map(|b| u32::try_from(b.div_ceil(MB)).unwrap_or(u32::MAX)),
        used_today_bytes: s.data_used(now_ms)? as f64,
    })
}

/// The prefs `input` asks for; the budget typed is checked here.
pub fn prefs(input: &SyncSettingsInput) -> Result<store::SyncPrefs, AppError> {
    let invalid = |reason| AppError::Validation {
        field: ErrorField::DailyBudget,
        reason,
    };
    let budget = crate::ipc::typed_number(&input.daily_budget_mb).map_err(invalid)?;
    match budget {
        Some(0) => return Err(invalid(ErrorReason::Invalid)),
        Some(mb) if mb > MAX_BUDGET_MB => return Err(invalid(ErrorReason::TooLarge)),
        _ => {}
    }
    Ok(store::SyncPrefs {
        paused: input.paused,
        metered: input.metered,
        daily_budget_bytes: budget.map(|mb| u64::from(mb) * MB),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(paused: bool, metered: Option<bool>, budget: &str) -> SyncSettingsInput {
        SyncSettingsInput {
            paused,
            metered,
            daily_budget_mb: budget.to_owned(),
        }
    }

    #[test]
    fn settings_are_stored_and_read_back_with_todays_use() {
        let dir = tempfile::tempdir().unwrap();
        let s = store::open(&dir.path().join("catalog.db")).unwrap();
        let now = 1_790_000_000_000;
        s.add_data_used(now, 2_500_000).unwrap();
        s.set_sync_prefs(&prefs(&input(true, Some(true), " ٥٠ ")).unwrap())
            .unwrap();
        assert_eq!(
            read(&s, now).unwrap(),
            SyncSettingsView {
                paused: true,
                metered: Some(true),
                daily_budget_mb: Some(50),
                used_today_bytes: 2_500_000.0,
            }
        );
        assert_eq!(s.sync_prefs().unwrap().daily_budget_bytes, Some(50_000_000));

        s.set_sync_prefs(&prefs(&input(false, None, "")).unwrap())
            .unwrap();
        let back = read(&s, now + 86_400_000).unwrap();
        assert_eq!(
            (back.paused, back.metered, back.daily_budget_mb),
            (false, None, None)
        );
        assert_eq!(back.used_today_bytes, 0.0, "a new day starts at 0");
    }

    #[test]
    fn a_budget_that_cannot_work_is_refused_by_field() {
        for (typed, expected) in [
            ("cinquante", ErrorReason::NotANumber),
            ("-5", ErrorReason::Negative),
            ("0", ErrorReason::Invalid),
            ("1000000", ErrorReason::TooLarge),
        ] {
            match prefs(&input(false, None, typed)) {
                Err(AppError::Validation {
                    field: ErrorField::DailyBudget,
                    reason,
                }) => assert_eq!(
                    std::mem::discriminant(&reason),
                    std::mem::discriminant(&expected),
                    "{typed}"
                ),
                other => panic!("{typed}: {other:?}"),
            }
        }
    }
}
