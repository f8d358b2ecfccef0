fn main() {
  napi_build::setup();
  // The binary reports the npm package version it was built for (the loader refuses a binary of
  // another version); package.json is the one place that version is kept.
  println!("cargo:rerun-if-changed=package.json");
  let manifest = std::fs::read_to_string("package.json").expect("package.json next to Cargo.toml");
  let manifest: serde_json::Value = serde_json::from_str(&manifest).expect("package.json is JSON");
  let version = manifest["version"].as_str().expect("package.json has a version");
  println!("cargo:rustc-env=COJSON_CORE_NAPI_PACKAGE_VERSION={version}");
  println!(
    "cargo:rustc-env=COJSON_CORE_NAPI_TARGET={}",
    std::env::var("TARGET").unwrap_or_default()
  );
}
