//! Rendering speed: one Korean card receipt to PDF (the figure the brief asks for), and for
//! comparison the pure layout and the thermal raster + ESC/POS job of the same receipt.

// Bench set-up may fail loudly.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

#[path = "../tests/common/mod.rs"]
mod common;

use common::*;
use criterion::{criterion_group, criterion_main, Criterion};
use kassa_receipt::pdf::PdfRenderer;
use kassa_receipt::raster::{Rasterizer, DOTS_80MM};
use kassa_receipt::*;
use std::hint::black_box;

fn render(c: &mut Criterion) {
    let receipt = receipt(Language::Ko, Document::Sale(sale(CopyFor::Customer)));
    let laid = layout(&receipt, Paper::Mm80);
    let pdf = PdfRenderer::new().unwrap();
    let raster = Rasterizer::new().unwrap();
    let bytes = pdf.render(&laid, "bench");
    eprintln!("PDF of the benchmarked receipt: {} bytes", bytes.len());

    c.bench_function("receipt_to_pdf_80mm_ko", |b| {
        b.iter(|| {
            pdf.render(
                black_box(&layout(black_box(&receipt), Paper::Mm80)),
                "bench",
            )
        })
    });
    c.bench_function("layout_only_80mm_ko", |b| {
        b.iter(|| layout(black_box(&receipt), Paper::Mm80))
    });
    c.bench_function("escpos_raster_job_80mm_ko", |b| {
        b.iter(|| kassa_receipt::escpos::job(&raster.render(black_box(&laid), DOTS_80MM)))
    });
}

criterion_group!(benches, render);
criterion_main!(benches);
