use super::age_from_proc;

// A /proc/self/stat line as Linux writes it, its command name made awkward.
const STAT: &str = "4242 (hanout (app) x) S 1 4242 4242 0 -1 4194560 1200 0 0 0 12 3 0 0 20 0 9 0 51234 812000000 20000 18446744073709551615 1 1 0 0 0 0 0 4096 0 0 0 0 17 1 0 0 0 0 0";

#[test]
fn age_is_uptime_minus_start_ticks() {
    // Started at tick 51234 (512.34 s after boot); now 513.00 s.
    let age = age_from_proc(STAT, "513.00 1000.00\n").expect("age");
    assert_eq!(age.as_millis(), 660);
}

#[test]
fn no_age_from_text_it_cannot_read() {
    assert_eq!(age_from_proc("garbage", "513.00 1.0"), None);
    assert_eq!(age_from_proc(STAT, ""), None);
    // A start after "now" (clocks read in the wrong order) is not an age.
    assert_eq!(age_from_proc(STAT, "500.00 1.0"), None);
}
