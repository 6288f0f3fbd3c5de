#[path = "../../codegen/mod.rs"]
#[allow(dead_code)]
pub mod codegen;
