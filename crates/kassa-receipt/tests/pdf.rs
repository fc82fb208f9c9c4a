//! PDFs read back with `pdftotext` and `pdfinfo` (poppler-utils): the text is there, Hangul
//! included, the font is subset (small files), pages are as wide as the paper, and long
//! receipts continue on further pages.

// Test helpers outside #[test] functions may fail loudly too.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use kassa_core::{Currency, OrderLine};
use kassa_receipt::pdf::PdfRenderer;
use kassa_receipt::*;
use std::process::Command;

/// Runs a poppler tool on `pdf` and returns its standard output.
fn poppler(tool: &str, args: &[&str], pdf: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("r.pdf");
    std::fs::write(&path, pdf).unwrap();
    let out = Command::new(tool)
        .args(args)
        .arg(&path)
        .args(if tool == "pdftotext" {
            &["-"][..]
        } else {
            &[][..]
        })
        .output()
        .unwrap_or_else(|e| panic!("{tool} is needed (Debian: poppler-utils): {e}"));
    assert!(
        out.status.success(),
        "{tool}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn text_of(pdf: &[u8]) -> String {
    poppler("pdftotext", &["-layout"], pdf)
}

fn info(pdf: &[u8], key: &str) -> String {
    poppler("pdfinfo", &[], pdf)
        .lines()
        .find_map(|l| l.strip_prefix(key).map(|v| v.trim().to_string()))
        .unwrap_or_else(|| panic!("pdfinfo has no {key}"))
}

fn render(language: Language, doc: Document, paper: Paper) -> Vec<u8> {
    let r = receipt(language, doc);
    PdfRenderer::new()
        .unwrap()
        .render(&layout(&r, paper), &r.file_stem())
}

#[test]
fn every_document_reads_back_with_its_text_hangul_included() {
    let expect: &[(&str, Language, &[&str])] = &[
        (
            "sale_customer",
            Language::Ko,
            &[
                "Kassa Coffee 강남점",
                "서울특별시 강남구 테헤란로",
                "사업자번호 123-45-67890",
                "[고객용]",
                "아메리카노",
                "프라푸치노",
                "32,800 KRW",
                "부가세 10% (포함)",
                "카드번호",
                "************1111",
                "승인번호",
                "30012345",
                "A0000000031010",
                "VISA CREDIT",
                "8A1B2C3D4E5F6071",
                "000 Approved 00 Thank You",
                "정상승인 되었습니다",
                "2026/11/21 10:15",
                "교환 및 환불은 7일 이내,",
                "영수증을 지참해 주세요",
                "Exchanges and refunds within 7",
            ],
        ),
        (
            "sale_merchant",
            Language::En,
            &["[Merchant copy]", "Signature ___", "Approval no."],
        ),
        (
            "refund_customer",
            Language::Ko,
            &[
                "환불 영수증",
                "원거래",
                "9,000 KRW",
                "주문 착오",
                "영수증을 지참해 주세요",
            ],
        ),
        (
            "kiosk_wait",
            Language::Ko,
            &["직원을 기다려 주세요", "P20261121123021ST010000018"],
        ),
        (
            "kiosk_wait",
            Language::En,
            &[
                "PLEASE WAIT FOR STAFF",
                "confirmed",
                "Payment ref.",
                "P20261121123021ST010000018",
            ],
        ),
        (
            "z_report",
            Language::Ko,
            &["일일 정산 (Z)", "순매출", "1,870,800 KRW", "미확정 거래"],
        ),
        (
            "z_report",
            Language::En,
            &["Z REPORT", "NET", "needs manager", "Cash drawer 현금함"],
        ),
        (
            "test_page",
            Language::Ko,
            &["프린터 테스트 페이지", "가나다라마바사"],
        ),
    ];
    let docs = documents();
    for (name, language, needles) in expect {
        let doc = docs.iter().find(|(n, _)| n == name).unwrap().1.clone();
        for paper in [Paper::Mm58, Paper::Mm80, Paper::A4] {
            let text = text_of(&render(*language, doc.clone(), paper));
            for needle in *needles {
                assert!(
                    text.contains(needle),
                    "{name} {language:?} {paper:?}: {needle:?} missing from\n{text}"
                );
            }
            assert!(!text.contains("4111111111111111") && !text.contains("2812"));
        }
    }
}

#[test]
fn the_font_is_subset_so_receipts_stay_small() {
    let font_size = kassa_receipt::font::FONT_BYTES.len();
    for (name, doc) in documents() {
        for language in [Language::En, Language::Ko] {
            for paper in [Paper::Mm58, Paper::Mm80, Paper::A4] {
                let pdf = render(language, doc.clone(), paper);
                println!("{name} {language:?} {paper:?}: {} bytes", pdf.len());
                assert!(pdf.len() < 64 * 1024, "{name}: {} bytes", pdf.len());
                assert!(
                    pdf.len() * 20 < font_size,
                    "far smaller than the 2.3 MB font"
                );
            }
        }
    }
    let fonts = {
        let pdf = render(
            Language::Ko,
            Document::Sale(sale(CopyFor::Customer)),
            Paper::Mm58,
        );
        poppler("pdffonts", &[], &pdf)
    };
    assert!(
        fonts.contains("+NanumGothicCoding"),
        "subset tag on the font name:\n{fonts}"
    );
}

#[test]
fn pages_are_as_wide_as_the_paper() {
    let sale = Document::Sale(sale(CopyFor::Customer));
    for (paper, width_pt) in [
        (Paper::Mm58, "164.4"),
        (Paper::Mm80, "226.7"),
        (Paper::A4, "595.2"),
    ] {
        let size = info(&render(Language::En, sale.clone(), paper), "Page size:");
        assert!(size.starts_with(width_pt), "{paper:?}: {size}");
    }
    let a4 = info(&render(Language::En, sale, Paper::A4), "Page size:");
    assert!(a4.contains("841.8"), "A4 is 297 mm high: {a4}");
}

/// A sale with `n` lines.
fn long_sale(n: usize) -> Document {
    let lines: Vec<OrderLine> = (1..=n)
        .map(|i| OrderLine {
            name: format!("상품 {i:04} item"),
            quantity: 1,
            unit_price_minor: 1_000,
            tax: VAT_INCL,
        })
        .collect();
    let total = krw(1_000 * n as i64);
    let s = Sale::new(
        CopyFor::Customer,
        id("O20261121101530ST010000099"),
        at("2026-11-21T10:15:42+09:00"),
        "kim",
        Currency::KRW,
        lines,
        vec![card_payment(total)],
    )
    .unwrap();
    Document::Sale(s)
}

#[test]
fn a_long_roll_receipt_grows_the_page_then_continues_on_another() {
    // 50 items fit on one 58 mm page that is longer than usual.
    let short = render(Language::Ko, long_sale(50), Paper::Mm58);
    assert_eq!(info(&short, "Pages:"), "1");
    let size = info(&short, "Page size:");
    let height: f32 = size
        .split(" x ")
        .nth(1)
        .unwrap()
        .split(' ')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        height > 841.0,
        "a 50-item roll is longer than an A4 sheet: {size}"
    );
    // 400 items (over 800 lines) pass the longest page and continue.
    let long = render(Language::Ko, long_sale(400), Paper::Mm58);
    assert!(info(&long, "Pages:").parse::<u32>().unwrap() >= 2);
    let text = text_of(&long);
    assert!(text.contains("상품 0001 item") && text.contains("상품 0400 item"));
    // On A4 the same receipt paginates onto many sheets.
    let a4 = render(Language::En, long_sale(400), Paper::A4);
    assert!(info(&a4, "Pages:").parse::<u32>().unwrap() >= 5);
    assert!(
        text_of(&a4).contains("상품 0400 item"),
        "nothing is lost at the page breaks"
    );
}

#[test]
fn accented_latin_prints_as_its_base_letter() {
    let text = text_of(&render(
        Language::En,
        Document::Sale(sale(CopyFor::Customer)),
        Paper::Mm80,
    ));
    assert!(text.contains("Caffe Latte 카페라떼"), "{text}");
}
