//! Turns a [`Layout`] into a PDF. This is the only module that uses `printpdf`.
//!
//! Pages are as wide as the paper. A receipt roll's page grows with the receipt (up to
//! [`MAX_ROLL_PAGE_MM`], then it continues on a new page); A4 paginates with 20 mm margins.
//! Text sits on the layout's character grid: every glyph starts at its cell, whatever its own
//! advance, so columns of amounts line up in Hangul as in Latin. The embedded font is subset
//! (`printpdf`'s `text_layout` feature), so a receipt PDF carries only the glyphs it prints.

use crate::font::{FontError, GridFont, FONT_BYTES};
use crate::layout::{Layout, Paper};
use crate::text::char_width;
use printpdf::{
    FontId, Mm, Op, ParsedFont, PdfDocument, PdfFontHandle, PdfPage, PdfSaveOptions, Pt, TextItem,
    TextMatrix,
};

/// Longest page a roll receipt gets before it continues on the next page (PDF viewers refuse
/// pages beyond 5,080 mm).
pub const MAX_ROLL_PAGE_MM: f32 = 2000.0;
/// Blank paper above and below a roll receipt.
const ROLL_MARGIN_MM: f32 = 5.0;
/// Margin on every side of an A4 sheet.
const SHEET_MARGIN_MM: f32 = 20.0;
/// Line pitch as a multiple of the font size.
const LINE_PITCH_EM: f32 = 1.3;
/// Points per millimetre.
const PT_PER_MM: f32 = 72.0 / 25.4;

/// Why a PDF could not be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PdfError {
    /// The embedded font is unusable.
    #[error(transparent)]
    Font(#[from] FontError),
}

/// Renders layouts to PDF with the embedded font, parsed once.
#[derive(Debug, Clone)]
pub struct PdfRenderer {
    grid: GridFont,
    parsed: ParsedFont,
}

impl PdfRenderer {
    /// Parses the embedded font for PDF use.
    pub fn new() -> Result<PdfRenderer, PdfError> {
        let grid = GridFont::load()?;
        let mut warnings = Vec::new();
        let parsed = ParsedFont::from_bytes(FONT_BYTES, 0, &mut warnings)
            .ok_or_else(|| FontError("printpdf could not parse it".into()))?;
        Ok(PdfRenderer { grid, parsed })
    }

    /// The PDF bytes of `layout`, one or more pages as wide as its paper.
    pub fn render(&self, layout: &Layout, title: &str) -> Vec<u8> {
        let g = Geometry::new(&self.grid, layout.paper);
        let mut doc = PdfDocument::new(title);
        let font_id = doc.add_font(&self.parsed);
        let pages: Vec<PdfPage> = layout
            .lines
            .chunks(g.lines_per_page.max(1))
            .map(|chunk| {
                let height = g.page_height_mm(chunk.len());
                let ops = self.page_ops(&g, &font_id, chunk, height);
                PdfPage::new(Mm(layout.paper.width_mm()), Mm(height), ops)
            })
            .collect();
        let opts = PdfSaveOptions {
            subset_fonts: true,
            ..PdfSaveOptions::default()
        };
        let mut warnings = Vec::new();
        let bytes = doc.with_pages(pages).save(&opts, &mut warnings);
        for w in warnings
            .iter()
            .filter(|w| w.severity != printpdf::PdfParseErrorSeverity::Info)
        {
            tracing::debug!(msg = %w.msg, "printpdf warning");
        }
        bytes
    }

    /// The operations that draw `lines` on one page.
    fn page_ops(&self, g: &Geometry, font: &FontId, lines: &[String], height_mm: f32) -> Vec<Op> {
        let size = Pt(g.font_mm * PT_PER_MM);
        let mut ops = vec![
            Op::StartTextSection,
            Op::SetFont {
                font: PdfFontHandle::External(font.clone()),
                size,
            },
        ];
        for (i, line) in lines.iter().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let baseline_mm =
                height_mm - g.top_mm - self.grid.ascent_em() * g.font_mm - i as f32 * g.pitch_mm;
            ops.push(Op::SetTextMatrix {
                matrix: TextMatrix::Translate(Mm(g.left_mm).into(), Mm(baseline_mm).into()),
            });
            ops.push(Op::ShowText {
                items: self.grid_items(line),
            });
        }
        ops.push(Op::EndTextSection);
        ops
    }

    /// The line as text items that put each glyph at the start of its cell: after each glyph,
    /// a `TJ` offset makes up the difference between its advance and its cells' width.
    fn grid_items(&self, line: &str) -> Vec<TextItem> {
        let mut items = Vec::new();
        let mut run = String::new();
        for c in line.chars() {
            let cells = char_width(c);
            if cells == 0 {
                continue;
            }
            let d = self.grid.drawable(c);
            run.push(d);
            let gap_em = cells as f32 * self.grid.cell_em() - self.grid.advance_em(d);
            if gap_em.abs() > 1e-4 {
                items.push(TextItem::Text(std::mem::take(&mut run)));
                // TJ offsets are thousandths of an em, positive moves left.
                items.push(TextItem::Offset(-(gap_em * 1000.0)));
            }
        }
        if !run.is_empty() {
            items.push(TextItem::Text(run));
        }
        items
    }
}

/// Sizes of one layout on its paper, in millimetres.
#[derive(Debug, Clone, Copy)]
struct Geometry {
    font_mm: f32,
    pitch_mm: f32,
    left_mm: f32,
    top_mm: f32,
    bottom_mm: f32,
    lines_per_page: usize,
    roll: bool,
}

impl Geometry {
    fn new(grid: &GridFont, paper: Paper) -> Geometry {
        let cell_mm = paper.printable_mm() / paper.columns() as f32;
        let font_mm = cell_mm / grid.cell_em();
        let pitch_mm = font_mm * LINE_PITCH_EM;
        let left_mm = (paper.width_mm() - paper.printable_mm()) / 2.0;
        let roll = paper != Paper::A4;
        let margin = if roll {
            ROLL_MARGIN_MM
        } else {
            SHEET_MARGIN_MM
        };
        let usable = if roll { MAX_ROLL_PAGE_MM } else { 297.0 } - 2.0 * margin;
        let lines_per_page = ((usable / pitch_mm).floor() as usize).max(1);
        Geometry {
            font_mm,
            pitch_mm,
            left_mm,
            top_mm: margin,
            bottom_mm: margin,
            lines_per_page,
            roll,
        }
    }

    /// A roll page is as long as its lines; a sheet is always A4.
    fn page_height_mm(&self, lines: usize) -> f32 {
        if self.roll {
            self.top_mm + lines as f32 * self.pitch_mm + self.bottom_mm
        } else {
            297.0
        }
    }
}
