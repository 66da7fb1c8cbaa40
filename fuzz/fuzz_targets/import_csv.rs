//! A CSV file of any bytes, imported as the kind its first byte picks.
#![no_main]

use kaohe_domain::import::files::CsvRows;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&selector, file)) = data.split_first() else {
        return;
    };
    kaohe_fuzz::import_rows(kaohe_fuzz::kind_of(selector), &mut CsvRows::new(file));
});
