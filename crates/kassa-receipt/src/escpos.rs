//! ESC/POS command bytes for printing a raster image on a thermal printer.
//!
//! A job is: initialise (`ESC @`), the image in bands of `GS v 0` (raster bit image; bands
//! keep each command within small printers' buffers), a feed (`ESC d n`) so the last line
//! clears the cutter, and a partial cut after feeding to the cut position (`GS V 66 0`).

use crate::raster::Bitmap;

/// `ESC @`: reset the printer to its defaults.
pub const INIT: [u8; 2] = [0x1B, 0x40];
/// `GS v 0`, normal density: the raster command's first four bytes.
pub const RASTER_HEADER: [u8; 4] = [0x1D, 0x76, 0x30, 0x00];
/// `GS V 66 0`: feed to the cutting position and cut, leaving a tab (partial cut).
pub const CUT: [u8; 4] = [0x1D, 0x56, 0x42, 0x00];
/// Rows per `GS v 0` band.
pub const BAND_ROWS: u32 = 256;
/// Lines fed before the cut.
const FEED_LINES: u8 = 3;

/// The whole job for `image`: init, raster bands, feed and cut.
pub fn job(image: &Bitmap) -> Vec<u8> {
    let mut out = Vec::with_capacity(image.data.len() + 64);
    out.extend_from_slice(&INIT);
    let row_bytes = image.row_bytes();
    let mut y = 0;
    while y < image.height {
        let rows = BAND_ROWS.min(image.height - y);
        out.extend_from_slice(&RASTER_HEADER);
        out.extend_from_slice(&(row_bytes as u16).to_le_bytes());
        out.extend_from_slice(&(rows as u16).to_le_bytes());
        let start = y as usize * row_bytes;
        out.extend_from_slice(&image.data[start..start + rows as usize * row_bytes]);
        y += rows;
    }
    out.extend_from_slice(&[0x1B, 0x64, FEED_LINES]);
    out.extend_from_slice(&CUT);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bands_carry_their_size_little_endian_and_the_job_ends_with_the_cut() {
        let image = Bitmap {
            width: 384,
            height: 300,
            data: vec![0xAA; 48 * 300],
        };
        let bytes = job(&image);
        assert_eq!(&bytes[..2], &INIT);
        assert_eq!(&bytes[2..6], &RASTER_HEADER);
        assert_eq!(&bytes[6..10], &[48, 0, 0, 1], "48 bytes per row, 256 rows");
        let second = 10 + 48 * 256;
        assert_eq!(&bytes[second..second + 4], &RASTER_HEADER);
        assert_eq!(
            &bytes[second + 4..second + 8],
            &[48, 0, 44, 0],
            "the remaining 44 rows"
        );
        assert!(bytes.ends_with(&[0x1B, 0x64, 3, 0x1D, 0x56, 0x42, 0x00]));
        assert_eq!(bytes.len(), 2 + 2 * 8 + 48 * 300 + 3 + 4);
    }
}
