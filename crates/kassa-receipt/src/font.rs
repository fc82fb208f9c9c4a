//! The one font of every receipt (NanumGothicCoding, SIL OFL, from `assets/fonts/`) and
//! the character grid drawn with it.
//!
//! Layout places text on a grid of cells (Hangul two cells, Latin one). The grid's cell is
//! as wide as the font's widest printable ASCII glyph and half its widest Hangul syllable, so
//! no glyph spills into its neighbour; the PDF and the raster image both size the font so
//! that `columns` cells fill the printable width.

use ab_glyph::{Font, FontRef};

/// The embedded TTF file.
pub const FONT_BYTES: &[u8] = include_bytes!("../../../assets/fonts/NanumGothicCoding.ttf");

/// Hangul syllables sampled for the widest wide glyph (simple, dense and tall shapes).
const HANGUL_SAMPLE: &str = "가각간뷁쀍똠힣한글읽땅꿿쏗";

/// Why the embedded font could not be used (a broken build, not a user error).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the receipt font could not be read ({0}); reinstall the application")]
pub struct FontError(pub String);

/// The font with its grid metrics, all in em (1.0 = the font size).
#[derive(Debug, Clone)]
pub struct GridFont {
    font: FontRef<'static>,
    units_per_em: f32,
    cell_em: f32,
    ascent_em: f32,
    descent_em: f32,
}

impl GridFont {
    /// Parses the embedded font and measures its grid.
    pub fn load() -> Result<GridFont, FontError> {
        let font = FontRef::try_from_slice(FONT_BYTES).map_err(|e| FontError(e.to_string()))?;
        let units_per_em = font
            .units_per_em()
            .ok_or_else(|| FontError("no units per em".into()))?;
        let adv = |c: char| font.h_advance_unscaled(font.glyph_id(c)) / units_per_em;
        let ascii = (0x20u8..=0x7e)
            .map(|b| adv(char::from(b)))
            .fold(0.0f32, f32::max);
        let hangul = HANGUL_SAMPLE.chars().map(adv).fold(0.0f32, f32::max) / 2.0;
        let cell_em = ascii.max(hangul);
        if cell_em <= 0.0 {
            return Err(FontError("glyphs without width".into()));
        }
        Ok(GridFont {
            ascent_em: font.ascent_unscaled() / units_per_em,
            descent_em: font.descent_unscaled() / units_per_em,
            font,
            units_per_em,
            cell_em,
        })
    }

    /// The parsed font, for rasterising.
    pub fn font(&self) -> &FontRef<'static> {
        &self.font
    }

    /// Width of one grid cell, in em.
    pub fn cell_em(&self) -> f32 {
        self.cell_em
    }

    /// Distance from the baseline to the top of the tallest glyphs, in em.
    pub fn ascent_em(&self) -> f32 {
        self.ascent_em
    }

    /// Distance from the baseline to the bottom of descenders, in em (negative).
    pub fn descent_em(&self) -> f32 {
        self.descent_em
    }

    /// The glyph's own advance width, in em.
    pub fn advance_em(&self, c: char) -> f32 {
        self.font.h_advance_unscaled(self.font.glyph_id(c)) / self.units_per_em
    }

    /// True when the font has a glyph for `c`.
    pub fn covers(&self, c: char) -> bool {
        c == ' ' || self.font.glyph_id(c).0 != 0
    }

    /// The character to draw for `c`: itself when the font has it, an accented Latin letter's
    /// base letter (`è` → `e`), else `?`. The drawing code keeps `c`'s cells either way, so
    /// the grid stays aligned.
    pub fn drawable(&self, c: char) -> char {
        if self.covers(c) {
            return c;
        }
        match base_letter(c) {
            Some(b) if self.covers(b) => b,
            _ => '?',
        }
    }
}

/// The unaccented letter of a Latin-1 or common Latin Extended-A letter.
fn base_letter(c: char) -> Option<char> {
    const TABLE: &[(&str, char)] = &[
        ("ÀÁÂÃÄÅĀĂĄ", 'A'),
        ("àáâãäåāăą", 'a'),
        ("ÇĆČ", 'C'),
        ("çćč", 'c'),
        ("ĎĐ", 'D'),
        ("ďđ", 'd'),
        ("ÈÉÊËĒĖĘĚ", 'E'),
        ("èéêëēėęě", 'e'),
        ("ĞĢ", 'G'),
        ("ğģ", 'g'),
        ("ÌÍÎÏĪĮİ", 'I'),
        ("ìíîïīįı", 'i'),
        ("ĹĻĽŁ", 'L'),
        ("ĺļľł", 'l'),
        ("ÑŃŅŇ", 'N'),
        ("ñńņň", 'n'),
        ("ÒÓÔÕÖŌŐ", 'O'),
        ("òóôõöōő", 'o'),
        ("ŔŘ", 'R'),
        ("ŕř", 'r'),
        ("ŚŞŠ", 'S'),
        ("śşš", 's'),
        ("ŢŤ", 'T'),
        ("ţť", 't'),
        ("ÙÚÛÜŪŮŰŲ", 'U'),
        ("ùúûüūůűų", 'u'),
        ("ÝŸ", 'Y'),
        ("ýÿ", 'y'),
        ("ŹŻŽ", 'Z'),
        ("źżž", 'z'),
    ];
    TABLE
        .iter()
        .find(|(set, _)| set.contains(c))
        .map(|(_, b)| *b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_font_covers_latin_and_every_hangul_syllable() {
        let f = GridFont::load().unwrap();
        assert!((0x20u8..=0x7e)
            .map(char::from)
            .filter(|c| *c != ' ')
            .all(|c| f.covers(c)));
        let missing = ('\u{AC00}'..='\u{D7A3}').filter(|c| !f.covers(*c)).count();
        assert_eq!(missing, 0, "all 11,172 precomposed syllables");
    }

    #[test]
    fn no_glyph_is_wider_than_its_cells() {
        let f = GridFont::load().unwrap();
        for c in (0x20u8..=0x7e).map(char::from) {
            assert!(f.advance_em(c) <= f.cell_em() + 1e-6, "{c:?}");
        }
        for c in ('\u{AC00}'..='\u{D7A3}').step_by(37) {
            assert!(f.advance_em(c) <= 2.0 * f.cell_em() + 1e-6, "{c:?}");
        }
        assert!(f.ascent_em() > 0.0 && f.descent_em() <= 0.0);
    }

    #[test]
    fn uncovered_letters_fall_back_to_their_base_letter() {
        let f = GridFont::load().unwrap();
        assert_eq!(f.drawable('가'), '가');
        assert_eq!(f.drawable('e'), 'e');
        let e_grave = f.drawable('è');
        assert!(e_grave == 'è' || e_grave == 'e', "{e_grave:?}");
        assert!(
            f.covers(f.drawable('\u{1F600}')),
            "an emoji prints as something the font has"
        );
    }
}
