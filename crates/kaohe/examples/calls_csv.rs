//! Writes a large calls CSV for the import benchmark (bench/import_calls.sh):
//! `calls_csv ROWS EMPLOYEE_CODES_FILE CUSTOMER_ARCHIVE_NOS_FILE > calls.csv`.
//! Deterministic; every row is valid, so the benchmark measures a full successful import.

use std::io::{BufWriter, Write};

fn lines(path: &str) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("{path}: {e}"))
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(str::to_string)
        .collect()
}

fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let rows: u64 = args.get(1).and_then(|a| a.parse().ok()).expect("ROWS");
    let employees = lines(args.get(2).expect("EMPLOYEE_CODES_FILE"));
    let customers = lines(args.get(3).expect("CUSTOMER_ARCHIVE_NOS_FILE"));
    let mut out = BufWriter::with_capacity(1 << 20, std::io::stdout().lock());
    writeln!(
        out,
        "工号,客户档案编号,开始时间,方向,通话时长(秒),结果,是否回访,回访截止时间,响铃次数"
    )?;
    let outcomes = ["接通", "未接", "拒绝", "约定回访", "成交"];
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    for i in 0..rows {
        // xorshift: cheap, deterministic, good enough to spread rows over people and days.
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let e = &employees[(i as usize) % employees.len()];
        let c = &customers[(x % customers.len() as u64) as usize];
        let day = 1 + (x >> 8) % 28;
        let (h, m, s) = (9 + (x >> 16) % 9, (x >> 24) % 60, (x >> 32) % 60);
        let inbound = (x >> 40).is_multiple_of(5);
        let outcome = outcomes[((x >> 44) % 5) as usize];
        let duration = (x >> 48) % 600;
        let callback = outcome == "约定回访";
        write!(
            out,
            "{e},{c},2026-10-{day:02} {h:02}:{m:02}:{s:02},{},{duration},{outcome},",
            if inbound { "呼入" } else { "呼出" }
        )?;
        if callback {
            write!(out, "是,2026-10-{:02} 10:00,", (day + 1).min(28))?;
        } else {
            write!(out, "否,,")?;
        }
        if inbound {
            writeln!(out, "{}", (x >> 56) % 6)?;
        } else {
            writeln!(out)?;
        }
    }
    out.flush()
}
