//! Malformed macro input gets a compile error pointing at the user's code.

#[test]
fn malformed_pallets_and_runtimes_fail_to_compile() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui/*.rs");
}
