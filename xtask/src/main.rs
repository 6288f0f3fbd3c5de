fn main() {
    let g = xtask::codegen::generate_from_path(std::path::Path::new("spec/losant-device-api.yaml"))
        .unwrap();
    println!("{}", g.client);
}
