//! The `zkmlp` command-line tool; see `zkmlp --help` and [`zkmlp::cli`].

fn main() {
    std::process::exit(zkmlp::cli::main());
}
