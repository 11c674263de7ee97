fn main() {
    println!("tinyvrrpd {}", env!("CARGO_PKG_VERSION"));
}
