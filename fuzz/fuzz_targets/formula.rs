//! The formula language: any text compiles or is refused with a positioned error; a formula
//! that compiles has a canonical text that compiles to the same canonical text.
#![no_main]

use kaohe_domain::formula::compile;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match compile(text) {
        Ok(f) => {
            let canonical = f.canonical();
            let again = compile(&canonical)
                .unwrap_or_else(|e| panic!("canonical text {canonical:?} does not compile: {e:?}"));
            assert_eq!(again.canonical(), canonical, "canonical text is not stable");
        }
        Err(e) => {
            let _ = format!("{e:?}");
        }
    }
});
