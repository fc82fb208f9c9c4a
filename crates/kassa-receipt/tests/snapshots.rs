//! Text snapshots of every document at every paper width, in English and Korean.
//!
//! The expected text lives in `tests/snapshots/{document}_{paper}_{language}.txt`, committed.
//! Any difference fails the test and writes the new text beside the old as `.txt.new` for
//! review; `UPDATE_SNAPSHOTS=1 cargo test -p kassa-receipt --test snapshots` rewrites them
//! after a deliberate change. A snapshot no test produces any more also fails.

// Test helpers outside #[test] functions may fail loudly too.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use kassa_receipt::text::width;
use kassa_receipt::*;
use std::collections::BTreeSet;
use std::path::PathBuf;

fn snapshot_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots")
}

fn paper_tag(p: Paper) -> &'static str {
    match p {
        Paper::Mm58 => "58mm",
        Paper::Mm80 => "80mm",
        Paper::A4 => "a4",
    }
}

fn lang_tag(l: Language) -> &'static str {
    match l {
        Language::En => "en",
        Language::Ko => "ko",
    }
}

#[test]
fn every_document_matches_its_committed_snapshot() {
    let dir = snapshot_dir();
    let update = std::env::var_os("UPDATE_SNAPSHOTS").is_some();
    let mut produced = BTreeSet::new();
    let mut failures = Vec::new();
    for (name, doc) in documents() {
        for language in [Language::En, Language::Ko] {
            for paper in [Paper::Mm58, Paper::Mm80, Paper::A4] {
                let laid = layout(&receipt(language, doc.clone()), paper);
                for line in &laid.lines {
                    assert!(
                        width(line) <= paper.columns(),
                        "{name} {paper:?} {language:?}: {line:?} is wider than {} cells",
                        paper.columns()
                    );
                    assert!(!line.ends_with(' '), "{name}: trailing space in {line:?}");
                }
                let file = format!("{name}_{}_{}.txt", paper_tag(paper), lang_tag(language));
                let path = dir.join(&file);
                let text = laid.to_text();
                produced.insert(file.clone());
                if update {
                    std::fs::write(&path, &text).unwrap();
                    continue;
                }
                match std::fs::read_to_string(&path) {
                    Ok(expected) if expected == text => {}
                    Ok(_) => {
                        std::fs::write(dir.join(format!("{file}.new")), &text).unwrap();
                        failures.push(format!("{file} changed (new text in {file}.new)"));
                    }
                    Err(_) => {
                        std::fs::write(dir.join(format!("{file}.new")), &text).unwrap();
                        failures.push(format!("{file} is missing (text in {file}.new)"));
                    }
                }
            }
        }
    }
    for entry in std::fs::read_dir(&dir).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().to_string();
        if name.ends_with(".txt") && !produced.contains(&name) {
            failures.push(format!("{name} is no longer produced: delete it"));
        }
    }
    assert!(
        failures.is_empty(),
        "snapshots differ; review the .new files and rerun with UPDATE_SNAPSHOTS=1 \
         if the change is intended:\n{}",
        failures.join("\n")
    );
}

#[test]
fn layout_is_a_pure_function_of_the_model() {
    let r = receipt(Language::Ko, Document::Sale(sale(CopyFor::Customer)));
    assert_eq!(layout(&r, Paper::Mm58), layout(&r.clone(), Paper::Mm58));
}

#[test]
fn korean_and_english_lines_end_in_the_same_column() {
    // The total is right-aligned: its last character sits in the last column in both
    // languages, although "합계" is 4 cells and "TOTAL" 5.
    for language in [Language::En, Language::Ko] {
        let laid = layout(
            &receipt(language, Document::Sale(sale(CopyFor::Customer))),
            Paper::Mm58,
        );
        let total = laid
            .lines
            .iter()
            .find(|l| l.ends_with("32,800 KRW"))
            .unwrap();
        assert_eq!(width(total), 32, "{total:?}");
    }
}

#[test]
fn the_merchant_copy_has_a_signature_line_and_the_customer_copy_does_not() {
    let merchant = layout(
        &receipt(Language::En, Document::Sale(sale(CopyFor::Merchant))),
        Paper::Mm80,
    );
    let customer = layout(
        &receipt(Language::En, Document::Sale(sale(CopyFor::Customer))),
        Paper::Mm80,
    );
    assert!(merchant
        .lines
        .iter()
        .any(|l| l.starts_with("Signature ___")));
    assert!(!customer.lines.iter().any(|l| l.contains("Signature")));
    assert!(customer.lines.iter().any(|l| l.contains("[Customer copy]")));
    assert!(merchant.lines.iter().any(|l| l.contains("[Merchant copy]")));
}

/// The lines from the store's footer on, or `None` when the footer is not printed.
fn from_footer(r: &Receipt, paper: Paper) -> Option<String> {
    let lines = layout(r, paper).lines;
    let at = lines.iter().position(|l| l.contains("교환 및 환불은"))?;
    Some(lines[at..].join("\n"))
}

#[test]
fn the_stores_footer_closes_the_customer_copy_and_the_thanks_stand_in_without_one() {
    for paper in [Paper::Mm58, Paper::Mm80, Paper::A4] {
        for doc in [
            Document::Sale(sale(CopyFor::Customer)),
            Document::Refund(refund(CopyFor::Customer)),
        ] {
            let r = receipt(Language::En, doc);
            let text = layout(&r, paper).to_text();
            let tail = from_footer(&r, paper).unwrap_or_else(|| panic!("no footer in\n{text}"));
            // Both footer lines end the slip, their words intact across the wrap.
            let words = tail.split_whitespace().collect::<Vec<_>>().join(" ");
            assert!(
                words.ends_with(
                    "영수증을 지참해 주세요 Exchanges and refunds within 7 days with this receipt"
                ),
                "{paper:?}: {tail}"
            );
            assert!(!text.contains("Thank you for your visit"), "{text}");

            let mut plain = r.clone();
            plain.store.footer = " \n ".into();
            let lines = layout(&plain, paper).lines;
            assert_eq!(lines.last().unwrap().trim(), "Thank you for your visit");
        }
        let merchant = receipt(Language::Ko, Document::Sale(sale(CopyFor::Merchant)));
        assert_eq!(
            from_footer(&merchant, paper),
            None,
            "the store's copy has none"
        );
    }
}
