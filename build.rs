//! Compiles `proto/pactwire/v1` with tonic-prost-build and writes the
//! descriptor set that server reflection serves. protoc comes from
//! protoc-bin-vendored, so no system protoc is needed.

use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut config = prost_build::Config::new();
    config.protoc_executable(protoc_bin_vendored::protoc_bin_path()?);
    let include = protoc_bin_vendored::include_path()?;

    let out_dir = PathBuf::from(std::env::var("OUT_DIR")?);
    let mut protos: Vec<PathBuf> = std::fs::read_dir("proto/pactwire/v1")?
        .map(|entry| entry.map(|e| e.path()))
        .collect::<Result<_, _>>()?;
    protos.retain(|p| p.extension().is_some_and(|ext| ext == "proto"));
    protos.sort();

    tonic_prost_build::configure()
        .codec_path("crate::grpc::codec::Codec")
        .file_descriptor_set_path(out_dir.join("pactwire_descriptor.bin"))
        .compile_with_config(config, &protos, &[PathBuf::from("proto"), include])?;
    println!("cargo:rerun-if-changed=proto");
    Ok(())
}
