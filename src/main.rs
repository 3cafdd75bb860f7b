#![forbid(unsafe_code)]

fn main() -> std::process::ExitCode {
    confaudit::cli::main()
}
