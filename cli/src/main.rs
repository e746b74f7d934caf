fn main() -> std::process::ExitCode {
    kho::cli::main()
}
