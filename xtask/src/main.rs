fn main() {
    let v = xtask::codegen::load::parse(&std::fs::read_to_string(std::env::args().nth(1).unwrap()).unwrap()).unwrap();
    println!("{}", serde_json::to_string_pretty(&v["paths"]["/applications/{applicationId}/devices/{deviceId}/attributes"]["post"]).unwrap());
}
