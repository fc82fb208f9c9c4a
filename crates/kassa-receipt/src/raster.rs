//! Draws a [`Layout`] as a 1-bit image for thermal printers, with the same font and grid as
//! the PDF, so Hangul prints on printers whose built-in code pages have none.
//!
//! Pure Rust (`ab_glyph`): each character is drawn at the start of its cell, the coverage is
//! thresholded to black or white (thermal heads have no grey), and rows are packed eight dots
//! per byte, most significant bit first, as ESC/POS `GS v 0` wants them.

use crate::font::{FontError, GridFont};
use crate::layout::{Layout, Paper};
use crate::text::char_width;
use ab_glyph::{point, Font, PxScale};

/// Print-head width in dots of a 58 mm printer at 203 dpi.
pub const DOTS_58MM: u32 = 384;
/// Print-head width in dots of an 80 mm printer at 203 dpi.
pub const DOTS_80MM: u32 = 576;
/// Line pitch as a multiple of the font size (the same as the PDF's).
const LINE_PITCH_EM: f32 = 1.3;
/// Blank rows above the first line.
const TOP_ROWS: u32 = 8;

/// A 1-bit image: `1` bits are black dots.
#[derive(Clone, PartialEq, Eq)]
pub struct Bitmap {
    /// Width in dots (a multiple of 8).
    pub width: u32,
    /// Height in dots.
    pub height: u32,
    /// Rows top to bottom, `width / 8` bytes each, most significant bit = leftmost dot.
    pub data: Vec<u8>,
}

impl std::fmt::Debug for Bitmap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Bitmap({}x{}, {} bytes)",
            self.width,
            self.height,
            self.data.len()
        )
    }
}

impl Bitmap {
    /// A white image.
    fn blank(width: u32, height: u32) -> Bitmap {
        let width = width.div_ceil(8) * 8;
        Bitmap {
            width,
            height,
            data: vec![0; (width / 8 * height) as usize],
        }
    }

    /// Bytes per row.
    pub fn row_bytes(&self) -> usize {
        (self.width / 8) as usize
    }

    /// True when the dot at (`x`, `y`) is black; false outside the image.
    pub fn get(&self, x: u32, y: u32) -> bool {
        if x >= self.width || y >= self.height {
            return false;
        }
        let byte = self.data[y as usize * self.row_bytes() + (x / 8) as usize];
        byte & (0x80 >> (x % 8)) != 0
    }

    fn set(&mut self, x: u32, y: u32) {
        if x < self.width && y < self.height {
            let i = y as usize * self.row_bytes() + (x / 8) as usize;
            self.data[i] |= 0x80 >> (x % 8);
        }
    }

    /// Number of black dots.
    pub fn black_dots(&self) -> usize {
        self.data.iter().map(|b| b.count_ones() as usize).sum()
    }

    /// The image as a binary PBM (P4) file, for looking at it on a screen.
    pub fn to_pbm(&self) -> Vec<u8> {
        let mut out = format!("P4\n{} {}\n", self.width, self.height).into_bytes();
        out.extend_from_slice(&self.data);
        out
    }
}

/// Rasterises layouts with the embedded font.
#[derive(Debug, Clone)]
pub struct Rasterizer {
    grid: GridFont,
}

impl Rasterizer {
    /// Loads the embedded font.
    pub fn new() -> Result<Rasterizer, FontError> {
        Ok(Rasterizer {
            grid: GridFont::load()?,
        })
    }

    /// Head width in dots for a thermal paper, `None` for A4.
    pub fn dots_for(paper: Paper) -> Option<u32> {
        match paper {
            Paper::Mm58 => Some(DOTS_58MM),
            Paper::Mm80 => Some(DOTS_80MM),
            Paper::A4 => None,
        }
    }

    /// Draws `layout` `width` dots wide: the layout's columns share the width equally.
    pub fn render(&self, layout: &Layout, width: u32) -> Bitmap {
        let cols = layout.paper.columns() as f32;
        let cell_px = (width as f32 / cols).floor().max(1.0);
        let em_px = cell_px / self.grid.cell_em();
        let pitch = (em_px * LINE_PITCH_EM).round().max(1.0) as u32;
        let ascent = (self.grid.ascent_em() * em_px).round() as u32;
        let left = ((width as f32 - cell_px * cols) / 2.0).max(0.0);
        let height = TOP_ROWS + pitch * layout.lines.len() as u32 + pitch / 2;
        let mut bmp = Bitmap::blank(width, height);
        // ab_glyph scales by the font's height (ascent - descent), not by the em.
        let px = em_px * (self.grid.ascent_em() - self.grid.descent_em());
        let scale = PxScale::from(px);
        let font = self.grid.font();
        for (row, line) in layout.lines.iter().enumerate() {
            let baseline = (TOP_ROWS + ascent + pitch * row as u32) as f32;
            let mut cell = 0usize;
            for c in line.chars() {
                let cells = char_width(c);
                if cells == 0 {
                    continue;
                }
                let d = self.grid.drawable(c);
                let x = left + cell as f32 * cell_px;
                cell += cells;
                if d == ' ' {
                    continue;
                }
                let glyph = font
                    .glyph_id(d)
                    .with_scale_and_position(scale, point(x, baseline));
                if let Some(outline) = font.outline_glyph(glyph) {
                    let b = outline.px_bounds();
                    outline.draw(|gx, gy, coverage| {
                        if coverage >= 0.5 {
                            let (px, py) = (b.min.x + gx as f32, b.min.y + gy as f32);
                            if px >= 0.0 && py >= 0.0 {
                                bmp.set(px as u32, py as u32);
                            }
                        }
                    });
                }
            }
        }
        bmp
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layout(lines: &[&str]) -> Layout {
        Layout {
            paper: Paper::Mm58,
            lines: lines.iter().map(|s| s.to_string()).collect(),
        }
    }

    /// Black dots in the columns of cells `from..to` (12 dots per cell on 58 mm).
    fn dots_in_cells(b: &Bitmap, from: u32, to: u32) -> usize {
        (0..b.height)
            .flat_map(|y| (from * 12..to * 12).map(move |x| (x, y)))
            .filter(|(x, y)| b.get(*x, *y))
            .count()
    }

    #[test]
    fn text_lands_in_its_cells_and_nowhere_else() {
        let r = Rasterizer::new().unwrap();
        let b = r.render(
            &layout(&["한글 ABC", "", "                             xyz"]),
            DOTS_58MM,
        );
        assert_eq!(b.width, 384);
        assert_eq!(b.data.len(), 48 * b.height as usize);
        assert!(
            dots_in_cells(&b, 0, 4) > 100,
            "two Hangul syllables are drawn"
        );
        assert_eq!(
            dots_in_cells(&b, 8, 29),
            0,
            "cells 8..29 are blank on every line"
        );
        assert!(
            dots_in_cells(&b, 29, 32) > 20,
            "xyz is drawn at the right edge"
        );
    }

    #[test]
    fn an_empty_layout_is_white() {
        let r = Rasterizer::new().unwrap();
        let b = r.render(&layout(&["", "   "]), DOTS_80MM);
        assert_eq!(b.black_dots(), 0);
        assert_eq!(b.width, 576);
        assert!(b.height > 0);
    }
}
