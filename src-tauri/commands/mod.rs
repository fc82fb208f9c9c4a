//! The commands the windows call: each a few lines into kassa-app. Which window may call
//! which is decided by its capability file (`src-tauri/capabilities/`); what a person may do
//! is decided by the service from who is signed in or whose manager PIN came with the call.

pub mod manage;
pub mod print;
pub mod sale;
pub mod session;
pub mod settings;

use kassa_app::{AppError, ErrorView};

/// A service error as the window receives it.
pub fn view(e: AppError) -> ErrorView {
    e.to_view()
}
