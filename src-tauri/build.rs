//! Build script of the desktop package: Tauri reads its configuration from the repository
//! root (`tauri.conf.json`), the window capabilities from `src-tauri/capabilities/` and the
//! permissions of Kassa's own commands from `src-tauri/permissions/`.

fn main() {
    println!("cargo:rerun-if-changed=src-tauri/capabilities");
    println!("cargo:rerun-if-changed=src-tauri/permissions");
    let attributes = tauri_build::Attributes::new()
        .config_path("tauri.conf.json")
        .capabilities_path_pattern("./src-tauri/capabilities/*.json")
        .app_manifest(
            tauri_build::AppManifest::new()
                .permissions_path_pattern("./src-tauri/permissions/*.toml"),
        );
    if let Err(e) = tauri_build::try_build(attributes) {
        // A build script reports failure by exiting non-zero; cargo shows this text.
        eprintln!("tauri-build failed: {e:#}");
        std::process::exit(1);
    }
}
