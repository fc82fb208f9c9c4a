//! Kassa's desktop shell (first step): opens the cashier window, or the kiosk window with
//! `--kiosk`, serving the UI built into `ui/dist`. Commands into kassa-app follow.

#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    let kiosk = std::env::args().skip(1).any(|a| a == "--kiosk");
    let result = tauri::Builder::default()
        .setup(move |app| {
            let (label, title) = if kiosk { ("kiosk", "Kassa kiosk") } else { ("main", "Kassa") };
            tauri::WebviewWindowBuilder::new(app, label, tauri::WebviewUrl::App("index.html".into()))
                .title(title)
                .inner_size(1280.0, 800.0)
                .fullscreen(kiosk)
                .build()?;
            Ok(())
        })
        .run(tauri::generate_context!("tauri.conf.json"));
    if let Err(e) = result {
        eprintln!("Kassa could not start its window: {e}. Check that a display is available.");
        std::process::exit(1);
    }
}
