//! Raster.
