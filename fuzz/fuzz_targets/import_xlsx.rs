//! An xlsx workbook of any bytes (a zip the fuzzer mutates), imported as the kind its first
//! byte picks.
#![no_main]

use kaohe_domain::import::files::XlsxRows;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&selector, file)) = data.split_first() else {
        return;
    };
    if let Ok(mut rows) = XlsxRows::new(std::io::Cursor::new(file)) {
        kaohe_fuzz::import_rows(kaohe_fuzz::kind_of(selector), &mut rows);
    }
});
