//! Dates and times as Chinese offices write them, Excel serial numbers, and every cell type.
#![no_main]

use chrono::FixedOffset;
use kaohe_domain::import::cell;
use kaohe_domain::import::spec::KINDS;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if data.len() >= 8 {
        let serial = f64::from_le_bytes(data[..8].try_into().expect("8 bytes"));
        let _ = cell::excel_serial(serial);
    }
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = cell::parse_date_time(text);
    let zone = FixedOffset::east_opt(8 * 3600).expect("UTC+8 exists");
    for spec in KINDS {
        for col in spec.columns {
            let _ = cell::parse(col, text, &zone);
        }
    }
});
