//! The memory figure of `cargo xtask bench app`, from /proc text: which
//! processes count and what each one's share is.

use crate::pss::{family, parent_pid, process_name, pss_kib};

// The shape of `/proc/PID/smaps_rollup` (Linux 6.x), figures of a WebKitWebProcess.
const ROLLUP: &str = "\
55d0c4a3a000-7ffd7b1f4000 ---p 00000000 00:00 0                          [rollup]
Rss:              241812 kB
Pss:              187254 kB
Pss_Dirty:        120940 kB
Pss_Anon:         118012 kB
Pss_File:          66350 kB
Pss_Shmem:          2892 kB
Shared_Clean:      61448 kB
Private_Dirty:    120512 kB
Swap:                  0 kB
SwapPss:               0 kB
";

#[test]
fn pss_is_the_pss_line_not_its_parts() {
    assert_eq!(pss_kib(ROLLUP), Some(187_254));
    assert_eq!(pss_kib("Rss: 10 kB\nPss_Anon: 5 kB\n"), None);
    assert_eq!(pss_kib(""), None);
}

#[test]
fn parent_pid_survives_awkward_command_names() {
    let check = |stat: &str, expect: Option<u32>| assert_eq!(parent_pid(stat), expect);
    check("812 (hanout-app) S 800 812 812 0 -1 4194560 0 0", Some(800));
    check("813 (WebKitWebProces) S 812 812 812 0 -1", Some(812));
    check("900 (a) b (c)) R 1 900 900 0", Some(1));
    check("901 (x y) Z", None);
    check("", None);
}

#[test]
fn the_family_is_the_root_and_every_descendant_only() {
    // 812 the app; 813, 814 its WebKit processes; 815 started by 813;
    // 900 a sibling of the app, 901 its child: not counted.
    let table = [
        (800, 1),
        (812, 800),
        (813, 812),
        (814, 812),
        (815, 813),
        (900, 800),
        (901, 900),
    ];
    assert_eq!(family(812, &table), vec![812, 813, 814, 815]);
    assert_eq!(family(815, &table), vec![815]);
    // A process gone by the time it is looked for is still the root.
    assert_eq!(family(4242, &table), vec![4242]);
}

#[test]
fn names_come_from_argv0_else_comm() {
    let cmdline = b"/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/WebKitWebProcess\x0028\x0044\x00";
    assert_eq!(
        process_name(cmdline, "WebKitWebProces\n"),
        "WebKitWebProcess"
    );
    assert_eq!(process_name(b"", "kworker\n"), "kworker");
}
