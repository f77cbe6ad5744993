//! Device management: listing and revoking devices.

use market::admin;

use crate::test_market;

#[tokio::test]
async fn devices_are_listed_per_cooperative_with_their_state() {
    let t = test_market();
    let laptop = t.enroll("atlas").await;
    let phone = t.enroll("atlas").await;
    let rif = t.enroll("rif").await;
    admin::revoke_device(&t.market, phone.device_id).unwrap();

    let atlas: Vec<_> = admin::list_devices(&t.market, Some("atlas"))
        .unwrap()
        .into_iter()
        .map(|d| (d.id, d.revoked_at_ms.is_some()))
        .collect();
    assert_eq!(atlas, [(laptop.device_id, false), (phone.device_id, true)]);

    let all: Vec<_> = admin::list_devices(&t.market, None)
        .unwrap()
        .into_iter()
        .map(|d| (d.id, d.cooperative_slug))
        .collect();
    assert_eq!(all.len(), 3);
    assert!(all.contains(&(rif.device_id, "rif".to_owned())));

    assert!(admin::list_devices(&t.market, Some("nowhere")).is_err());
}
