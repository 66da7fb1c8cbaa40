//! A reader that closes the pipe early (`kaohe scheme export | head`) must not make kaohe
//! panic: the command ends silently, as Unix programs do.

use std::process::{Command, Stdio};

#[test]
fn a_closed_stdout_ends_the_command_without_a_panic() {
    let db = kaohe_testkit::sqlite();
    let kaohe = || {
        let mut c = Command::new(env!("CARGO_BIN_EXE_kaohe"));
        c.env_remove("KAOHE_DATABASE_URL")
            .env_remove("KAOHE_CONFIG")
            .env("KAOHE_LOG", "error")
            .arg("--db")
            .arg(&db.url)
            .stdin(Stdio::null());
        c
    };
    let init = kaohe().arg("init").output().unwrap();
    assert!(init.status.success(), "{init:?}");
    let mut child = kaohe()
        .args(["scheme", "export"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Nobody reads: the first write meets a closed pipe.
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "kaohe panicked: {stderr}");
    assert_ne!(
        out.status.code(),
        Some(101),
        "a panic's exit status: {stderr}"
    );
}
