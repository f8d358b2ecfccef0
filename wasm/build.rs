fn main() {
  // The module reports the npm package version it was built for (the JS loader refuses a module
  // of another version), as the native binary does; package.json is the one place it is kept.
  println!("cargo:rerun-if-changed=../package.json");
  let manifest = std::fs::read_to_string("../package.json").expect("package.json in the parent directory");
  let manifest: serde_json::Value = serde_json::from_str(&manifest).expect("package.json is JSON");
  let version = manifest["version"].as_str().expect("package.json has a version");
  println!("cargo:rustc-env=COJSON_CORE_PACKAGE_VERSION={version}");
  println!(
    "cargo:rustc-env=COJSON_CORE_TARGET={}",
    std::env::var("TARGET").unwrap_or_default()
  );
}
