fn main() -> std::process::ExitCode {
    kho::cli::main(&kho_lab::Lab)
}
