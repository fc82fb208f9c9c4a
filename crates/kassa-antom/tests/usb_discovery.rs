//! Finding and switching the terminal, against the byte-level fake bus: the exact handshake of
//! the seed, devices already in accessory mode, devices that cannot or must not be switched,
//! and the errors people see when the terminal cannot be reached.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

mod usb_common;

use kassa_antom::usb::fake::{ControlTransfer, FakeBus, FakeDevice};
use kassa_antom::usb::{scan, FoundMode, Selector, UsbError, UsbOptions, UsbTransport, UDEV_RULE};
use kassa_antom::{Transport, TransportError};
use std::sync::Arc;
use std::time::Duration;
use usb_common::{fast, request, transport, FarSide, PATIENT};

const DIAGNOSIS: &str = "/v2/device/diagnosis";

fn control(request_type: u8, request: u8, index: u16, data: &[u8], length: u16) -> ControlTransfer {
    ControlTransfer {
        request_type,
        request,
        value: 0,
        index,
        data: data.to_vec(),
        length,
    }
}

/// The seed's `checkAccessoryProtocol` then `initAccessory`, transfer by transfer.
fn seed_handshake() -> Vec<ControlTransfer> {
    vec![
        control(0xC0, 51, 0, b"", 2),
        control(0x40, 52, 0, b"alipay", 6),
        control(0x40, 52, 1, b"terminal", 8),
        control(0x40, 52, 2, b"Payment Terminal", 16),
        control(0x40, 52, 5, b"42", 2),
        control(0x40, 53, 0, b"", 0),
    ]
}

async fn not_sent(t: &UsbTransport) -> String {
    match t.send(&request(DIAGNOSIS, b"{}"), PATIENT).await {
        Err(TransportError::NotSent(why)) => why,
        other => panic!("expected nothing sent, got {other:?}"),
    }
}

#[tokio::test]
async fn a_terminal_in_normal_mode_gets_the_seed_handshake_byte_for_byte() {
    let bus = FakeBus::new();
    let end = bus.plug(FakeDevice::n950("35000001"));
    let id = end.id;
    let far = FarSide::echo(end);
    let t = transport(&bus, None);
    let answer = t
        .send(&request(DIAGNOSIS, b"{\"a\":1}"), PATIENT)
        .await
        .unwrap();
    assert_eq!(answer.body, b"{\"a\":1}");
    assert_eq!(bus.control_log(id), seed_handshake());
    assert!(bus.in_accessory_mode(id));
    // The request travelled after the link's ping, on the re-enumerated device.
    let frames = far.requests.lock().unwrap().clone();
    assert_eq!(frames.len(), 1);
    assert_eq!(frames[0].field("path"), Some(DIAGNOSIS));
    assert_eq!(frames[0].field("client-id"), Some("N950SN0001"));
    // A second call reuses the link: no new handshake.
    t.send(&request(DIAGNOSIS, b"2"), PATIENT).await.unwrap();
    assert_eq!(bus.control_log(id).len(), 6);
    drop(t);
    bus.shutdown();
    far.join();
}

#[tokio::test]
async fn a_terminal_already_in_accessory_mode_is_used_as_is_for_every_product_id() {
    for pid in 0x2D00..=0x2D05u16 {
        let bus = FakeBus::new();
        let end = bus.plug(FakeDevice::n950_in_accessory("35000001", pid));
        let id = end.id;
        let far = FarSide::echo(end);
        let found = scan(&bus).unwrap();
        assert_eq!(found.len(), 1, "{pid:04x}");
        assert_eq!(found[0].mode, FoundMode::Accessory, "{pid:04x}");
        assert_eq!(found[0].info.ids(), format!("18d1:{pid:04x}"));
        let t = transport(&bus, None);
        let answer = t.send(&request(DIAGNOSIS, b"ok"), PATIENT).await.unwrap();
        assert_eq!(answer.body, b"ok", "{pid:04x}");
        assert!(
            bus.control_log(id).is_empty(),
            "{pid:04x} was switched again"
        );
        drop(t);
        bus.shutdown();
        far.join();
    }
}

#[tokio::test]
async fn a_device_without_accessory_support_is_named_and_left_alone() {
    let bus = FakeBus::new();
    let dev = FakeDevice {
        protocol: None,
        ..FakeDevice::n950("35000001")
    };
    let id = bus.plug(dev).id;
    let why = not_sent(&transport(&bus, None)).await;
    assert!(
        why.contains("does not support the Android accessory protocol"),
        "{why}"
    );
    assert!(why.contains("newland"), "{why}");
    // Only the question was asked; nothing was switched.
    assert_eq!(bus.control_log(id), vec![control(0xC0, 51, 0, b"", 2)]);
    assert!(scan(&bus).unwrap().is_empty());
}

#[tokio::test]
async fn an_android_phone_is_never_switched_unless_its_serial_is_configured() {
    let bus = FakeBus::new();
    let end = bus.plug(FakeDevice::android_phone());
    let id = end.id;
    let why = not_sent(&transport(&bus, None)).await;
    assert!(why.contains("does not identify as an N950"), "{why}");
    assert!(why.contains("--serial"), "{why}");
    assert_eq!(bus.control_log(id).len(), 1, "only GET_PROTOCOL");
    let found = scan(&bus).unwrap();
    assert!(matches!(
        found[0].mode,
        FoundMode::Capable {
            version: 2,
            identified: false
        }
    ));
    // Named by its serial, it is switched and used.
    let far = FarSide::echo(end);
    let t = transport(&bus, Some("PHONE123"));
    t.send(&request(DIAGNOSIS, b"x"), PATIENT).await.unwrap();
    assert!(bus.in_accessory_mode(id));
    drop(t);
    bus.shutdown();
    far.join();
}

#[tokio::test]
async fn the_serial_picks_one_of_several_terminals_and_without_it_the_choice_is_refused() {
    let bus = FakeBus::new();
    let a = bus.plug(FakeDevice::n950_in_accessory("35000001", 0x2D00));
    let b = bus.plug(FakeDevice::n950_in_accessory("35000002", 0x2D01));
    let why = not_sent(&transport(&bus, None)).await;
    assert!(why.contains("several USB terminals"), "{why}");
    assert!(
        why.contains("35000001") && why.contains("35000002"),
        "{why}"
    );
    let (far_a, far_b) = (FarSide::echo(a), FarSide::echo(b));
    let t = transport(&bus, Some("35000002"));
    t.send(&request(DIAGNOSIS, b"x"), PATIENT).await.unwrap();
    assert_eq!(far_a.requests.lock().unwrap().len(), 0);
    assert_eq!(far_b.requests.lock().unwrap().len(), 1);
    drop(t);
    bus.shutdown();
    far_a.join();
    far_b.join();
}

#[tokio::test]
async fn an_accessory_that_does_not_repeat_its_serial_is_still_the_configured_terminal() {
    let bus = FakeBus::new();
    let mut dev = FakeDevice::n950_in_accessory("35000001", 0x2D00);
    dev.strings.serial = None;
    dev.strings.product = Some("Android Accessory Interface".into());
    let end = bus.plug(dev);
    let id = end.id;
    let far = FarSide::echo(end);
    let t = transport(&bus, Some("35000001"));
    assert_eq!(
        t.send(&request(DIAGNOSIS, b"x"), PATIENT)
            .await
            .unwrap()
            .body,
        b"x"
    );
    drop(t);
    // With it unplugged, one that names another serial is not taken.
    bus.unplug(id);
    let _other = bus.plug(FakeDevice::n950_in_accessory("35000009", 0x2D01));
    let why = not_sent(&transport(&bus, Some("35000001"))).await;
    assert!(why.contains("no N950 terminal found"), "{why}");
    bus.shutdown();
    far.join();
}

#[tokio::test]
async fn setup_errors_say_what_to_do() {
    // No permission on the terminal: the udev rule is named (Linux).
    let bus = FakeBus::new();
    bus.plug(FakeDevice {
        open_error: Some(UsbError::Access),
        ..FakeDevice::n950_in_accessory("35000001", 0x2D00)
    });
    let why = not_sent(&transport(&bus, None)).await;
    assert!(
        why.contains("no permission") && why.contains("18d1:2d00"),
        "{why}"
    );
    if cfg!(target_os = "linux") {
        assert!(why.contains(UDEV_RULE), "{why}");
    }
    // Another program holds the interface.
    let bus = FakeBus::new();
    bus.plug(FakeDevice {
        claim_error: Some(UsbError::Busy),
        ..FakeDevice::n950_in_accessory("35000001", 0x2D00)
    });
    let why = not_sent(&transport(&bus, None)).await;
    assert!(why.contains("claimed by another program"), "{why}");
    // Nothing plugged in but a keyboard.
    let bus = FakeBus::new();
    bus.plug(FakeDevice::without_accessory(0x046D, "Logitech"));
    let why = not_sent(&transport(&bus, Some("35000001"))).await;
    assert!(
        why.contains("no N950 terminal found on USB with serial number 35000001"),
        "{why}"
    );
    // No USB at all on this machine.
    let bus = FakeBus::unavailable("libusb could not start");
    let why = not_sent(&transport(&bus, None)).await;
    assert!(why.contains("USB cannot be used on this computer"), "{why}");
    assert!(scan(&bus).is_err());
    // Accessory mode without the bulk endpoints.
    let bus = FakeBus::new();
    bus.plug(FakeDevice {
        bulk_endpoints: false,
        ..FakeDevice::n950_in_accessory("35000001", 0x2D00)
    });
    let why = not_sent(&transport(&bus, None)).await;
    assert!(
        why.contains("no bulk IN and OUT endpoints on interface 0"),
        "{why}"
    );
}

#[tokio::test]
async fn a_terminal_that_never_comes_back_after_the_switch_is_given_up_on() {
    let bus = FakeBus::new();
    let id = bus
        .plug(FakeDevice {
            reenumerate_after_scans: u32::MAX,
            ..FakeDevice::n950("35000001")
        })
        .id;
    let t = UsbTransport::new(
        Arc::new(bus.clone()),
        Selector::default(),
        UsbOptions {
            reenumerate_wait: Duration::from_millis(30),
            ..fast()
        },
        None,
    )
    .unwrap();
    let why = not_sent(&t).await;
    assert!(why.contains("did not come back in accessory mode"), "{why}");
    assert_eq!(bus.control_log(id), seed_handshake());
}

#[tokio::test]
async fn a_terminal_that_does_not_answer_the_ping_is_not_used() {
    let bus = FakeBus::new();
    // Plugged in, but nobody serves its far side.
    let _end = bus.plug(FakeDevice::n950_in_accessory("35000001", 0x2D00));
    let t = UsbTransport::new(
        Arc::new(bus.clone()),
        Selector::default(),
        UsbOptions {
            ping_timeout: Duration::from_millis(50),
            ..fast()
        },
        None,
    )
    .unwrap();
    let why = not_sent(&t).await;
    assert!(why.contains("does not answer on the USB link"), "{why}");
}

#[test]
fn the_udev_rule_named_in_messages_exists_and_covers_both_modes() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let rule =
        std::fs::read_to_string(root.join(UDEV_RULE)).expect("the rule file is in the repository");
    let active: Vec<&str> = rule
        .lines()
        .filter(|l| !l.trim_start().starts_with('#') && !l.trim().is_empty())
        .collect();
    // Accessory mode: 18d1 with products 2d00-2d05; normal mode: the maker string.
    assert!(active
        .iter()
        .any(|l| l.contains(r#"ATTR{idVendor}=="18d1""#)
            && l.contains(r#"ATTR{idProduct}=="2d0[0-5]""#)
            && l.contains("TAG+=\"uaccess\"")));
    assert!(active
        .iter()
        .any(|l| l.contains(r#"ATTR{manufacturer}=="[Nn]ewland*""#)));
    let guide = std::fs::read_to_string(root.join("docs/OPERATOR.md")).expect("operator guide");
    for needle in [UDEV_RULE, "KASSA_N950_USB=1", "WinUSB", "18D1:2D00"] {
        assert!(
            guide.contains(needle),
            "docs/OPERATOR.md does not mention {needle}"
        );
    }
}
