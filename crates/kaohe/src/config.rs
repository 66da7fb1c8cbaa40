//! Configuration in one place: command-line flags over environment variables (`KAOHE_…`)
//! over an optional `kaohe.toml` over built-in defaults.

use anyhow::{Context, Result, bail};
use kaohe_domain::import::files::ReadLimits;
use serde::Deserialize;
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};

/// The file read when `--config` is not given and it exists in the working directory.
pub const DEFAULT_CONFIG_FILE: &str = "kaohe.toml";

/// Settings as they may appear in `kaohe.toml` (every key optional).
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    pub company_name: Option<String>,
    pub time_zone: Option<String>,
    pub language: Option<String>,
    pub bind: Option<String>,
    pub port: Option<u16>,
    pub database_url: Option<String>,
    pub secure_cookies: Option<bool>,
    /// The largest import upload accepted, in MB (default 2,048), from the roles that import
    /// in bulk (administrators, HR, finance, sales clerks).
    pub max_upload_mb: Option<u64>,
    /// Connections served at once (default 1,024, lowered to the open-files limit less 128).
    pub max_connections: Option<usize>,
    /// Seconds a client has to send a request's headers; also how long an idle kept-alive
    /// connection stays open (default 20).
    pub header_timeout_secs: Option<u64>,
    /// Expensive requests (exports, explanations, previews) one account may run at once
    /// (default 2).
    pub heavy_requests_per_user: Option<usize>,
    /// The largest import upload accepted from every other role, in MB (default 8).
    pub max_personal_upload_mb: Option<u64>,
    /// The most rows an imported file may have, its header included (default 20,000,000).
    pub import_max_rows: Option<u64>,
    /// The most columns an imported file may have (default 256).
    pub import_max_columns: Option<u32>,
    /// What an imported xlsx workbook may unpack to, in MB (default 1,024).
    pub import_max_unzipped_mb: Option<u64>,
    /// Failed sign-ins allowed per client address and minute (default 10; 0: no limit).
    pub sign_ins_per_minute: Option<u32>,
    /// The largest import upload of a record kind, in MB (a table of `kind = MB`; default none:
    /// the role's limit alone).
    pub max_upload_mb_by_kind: Option<std::collections::BTreeMap<String, u64>>,
}

/// Values given on the command line or through `KAOHE_…` variables (clap merges those two).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Overrides {
    pub company_name: Option<String>,
    pub time_zone: Option<String>,
    pub language: Option<String>,
    pub bind: Option<String>,
    pub port: Option<u16>,
    pub database_url: Option<String>,
}

/// The settings in force.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    pub company_name: String,
    pub time_zone: chrono_tz::Tz,
    pub language: String,
    pub addr: SocketAddr,
    pub database_url: String,
    pub secure_cookies: bool,
    /// The largest import upload accepted from the roles that import in bulk, in bytes.
    pub max_upload_bytes: u64,
    /// The server's connection limits.
    pub server_limits: kaohe_web::server::ServerLimits,
    /// Expensive requests one account may run at once.
    pub heavy_requests_per_user: usize,
    /// The largest import upload accepted from every other role, in bytes.
    pub max_personal_upload_bytes: u64,
    /// The largest import upload of a record kind, in bytes.
    pub max_upload_bytes_by_kind: std::collections::BTreeMap<String, u64>,
    /// What an imported file may hold (web and `kaohe import`).
    pub read_limits: ReadLimits,
    /// Failed sign-ins allowed per client address and minute (0: no limit).
    pub sign_ins_per_minute: u32,
}

impl FileConfig {
    /// Reads `path`; a malformed file is an error naming the file, line and key.
    pub fn read(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read config file {}", path.display()))?;
        toml::from_str(&text).map_err(|e| {
            anyhow::anyhow!("config file {}: {}", path.display(), e.to_string().trim())
        })
    }

    /// The explicit `--config` file, or `kaohe.toml` when it exists, or nothing.
    pub fn discover(explicit: Option<&Path>) -> Result<Self> {
        match explicit {
            Some(p) => Self::read(p),
            None if Path::new(DEFAULT_CONFIG_FILE).is_file() => {
                Self::read(Path::new(DEFAULT_CONFIG_FILE))
            }
            None => Ok(Self::default()),
        }
    }
}

impl Config {
    /// Resolves every setting: overrides, then the file, then `default_db` and built-ins.
    pub fn resolve(over: Overrides, file: FileConfig, default_db: &str) -> Result<Self> {
        let server_limits = server_limits(&file)?;
        let max_upload_bytes_by_kind = upload_limits_by_kind(&file)?;
        let read_limits = read_limits(&file)?;
        let company_name = over
            .company_name
            .or(file.company_name)
            .unwrap_or_else(|| "示例销售有限公司".into());
        let tz_text = over
            .time_zone
            .or(file.time_zone)
            .unwrap_or_else(|| "Asia/Shanghai".into());
        let time_zone: chrono_tz::Tz = tz_text.parse().map_err(|_| {
            anyhow::anyhow!(
                "invalid time zone `{tz_text}` (expected an IANA name such as Asia/Shanghai)"
            )
        })?;
        let language = over
            .language
            .or(file.language)
            .unwrap_or_else(|| "zh-CN".into());
        if language != "zh-CN" && language != "en" {
            bail!("invalid language `{language}` (expected zh-CN or en)");
        }
        let bind_text = over
            .bind
            .or(file.bind)
            .unwrap_or_else(|| "127.0.0.1".into());
        let port = over.port.or(file.port).unwrap_or(8080);
        let addr = parse_bind(&bind_text, port)?;
        let database_url = over
            .database_url
            .or(file.database_url)
            .unwrap_or_else(|| default_db.into());
        let max_upload_bytes = file
            .max_upload_mb
            .map_or(kaohe_web::import::MAX_UPLOAD_BYTES, |mb| mb << 20);
        let max_personal_upload_bytes = file
            .max_personal_upload_mb
            .map_or(kaohe_web::import::MAX_PERSONAL_UPLOAD_BYTES, |mb| mb << 20)
            .min(max_upload_bytes);
        Ok(Config {
            max_upload_bytes_by_kind,
            company_name,
            time_zone,
            language,
            addr,
            database_url,
            secure_cookies: file.secure_cookies.unwrap_or(false),
            server_limits,
            heavy_requests_per_user: positive(
                "heavy_requests_per_user",
                file.heavy_requests_per_user,
                kaohe_web::heavy::PER_USER,
            )?,
            max_upload_bytes,
            max_personal_upload_bytes,
            read_limits,
            sign_ins_per_minute: file
                .sign_ins_per_minute
                .unwrap_or(kaohe_web::auth::SIGN_INS_PER_MINUTE),
        })
    }
}

fn server_limits(file: &FileConfig) -> Result<kaohe_web::server::ServerLimits> {
    use kaohe_web::server::{HEADER_TIMEOUT, MAX_CONNECTIONS};
    let default_secs = HEADER_TIMEOUT.as_secs() as usize;
    let secs = positive(
        "header_timeout_secs",
        file.header_timeout_secs.map(|s| s as usize),
        default_secs,
    )?;
    Ok(kaohe_web::server::ServerLimits {
        max_connections: positive("max_connections", file.max_connections, MAX_CONNECTIONS)?,
        header_timeout: std::time::Duration::from_secs(secs as u64),
    })
}

/// A count from `kaohe.toml` that must be at least 1.
fn positive(key: &str, value: Option<usize>, default: usize) -> Result<usize> {
    match value {
        Some(0) => bail!("{DEFAULT_CONFIG_FILE}: `{key}` must be at least 1"),
        Some(n) => Ok(n),
        None => Ok(default),
    }
}

/// `max_upload_mb_by_kind`: each key a record kind, each value at least 1 MB.
fn upload_limits_by_kind(file: &FileConfig) -> Result<std::collections::BTreeMap<String, u64>> {
    let mut out = std::collections::BTreeMap::new();
    for (kind, &mb) in file.max_upload_mb_by_kind.iter().flatten() {
        if let Err(e) = kaohe_domain::import::spec::kind(kind) {
            bail!("{DEFAULT_CONFIG_FILE}: max_upload_mb_by_kind.{kind}: {e}");
        }
        if mb == 0 {
            bail!("{DEFAULT_CONFIG_FILE}: max_upload_mb_by_kind.{kind} must be at least 1");
        }
        out.insert(kind.clone(), mb << 20);
    }
    Ok(out)
}

/// The import limits of the file's settings over the defaults; a zero is refused (it would
/// refuse every file).
fn read_limits(file: &FileConfig) -> Result<ReadLimits> {
    let mut limits = ReadLimits::default();
    let positive = |key: &str, v: u64| {
        if v == 0 {
            bail!("{key} must be at least 1");
        }
        Ok(v)
    };
    if let Some(v) = file.import_max_rows {
        limits.max_rows = positive("import_max_rows", v)?;
    }
    if let Some(v) = file.import_max_columns {
        limits.max_columns = positive("import_max_columns", u64::from(v))? as u32;
    }
    if let Some(mb) = file.import_max_unzipped_mb {
        limits.max_unzipped_bytes = positive("import_max_unzipped_mb", mb)? << 20;
    }
    Ok(limits)
}

/// `127.0.0.1`, `0.0.0.0`, `::1` (with `port`) or a full `host:port`.
fn parse_bind(text: &str, port: u16) -> Result<SocketAddr> {
    if let Ok(addr) = text.parse::<SocketAddr>() {
        return Ok(addr);
    }
    let ip: IpAddr = text.trim_matches(['[', ']']).parse().map_err(|_| {
        anyhow::anyhow!(
            "invalid bind address `{text}` (expected an IP such as 127.0.0.1 or 0.0.0.0)"
        )
    })?;
    Ok(SocketAddr::new(ip, port))
}

/// Where a relative path given in the config file is taken from.
pub fn config_dir(explicit: Option<&Path>) -> PathBuf {
    explicit
        .and_then(Path::parent)
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_flag_beats_the_file_and_the_file_beats_the_default() {
        let file = FileConfig {
            company_name: Some("File Co".into()),
            port: Some(9000),
            ..Default::default()
        };
        let over = Overrides {
            port: Some(9100),
            ..Default::default()
        };
        let c = Config::resolve(over, file, "./kaohe.db").unwrap();
        assert_eq!(c.company_name, "File Co");
        assert_eq!(c.addr.port(), 9100);
        assert_eq!(c.database_url, "./kaohe.db");
        assert_eq!(c.time_zone, chrono_tz::Asia::Shanghai);
    }

    #[test]
    fn bad_values_name_the_setting() {
        let bad_tz = Overrides {
            time_zone: Some("Mars/Base".into()),
            ..Default::default()
        };
        let e = Config::resolve(bad_tz, FileConfig::default(), "x")
            .unwrap_err()
            .to_string();
        assert!(e.contains("invalid time zone `Mars/Base`"), "{e}");
        let bad_bind = Overrides {
            bind: Some("localhost:x".into()),
            ..Default::default()
        };
        assert!(Config::resolve(bad_bind, FileConfig::default(), "x").is_err());
        let bad_lang = Overrides {
            language: Some("fr".into()),
            ..Default::default()
        };
        assert!(Config::resolve(bad_lang, FileConfig::default(), "x").is_err());
    }

    #[test]
    fn import_limits_come_from_the_file_and_a_zero_is_refused() {
        let c = Config::resolve(Overrides::default(), FileConfig::default(), "x").unwrap();
        assert_eq!(c.read_limits, ReadLimits::default());
        assert_eq!(c.max_personal_upload_bytes, 8 << 20);
        let file = FileConfig {
            max_upload_mb: Some(4),
            max_personal_upload_mb: Some(16),
            import_max_rows: Some(1000),
            import_max_columns: Some(40),
            import_max_unzipped_mb: Some(64),
            ..Default::default()
        };
        let c = Config::resolve(Overrides::default(), file, "x").unwrap();
        assert_eq!(
            c.max_personal_upload_bytes,
            4 << 20,
            "never above max_upload_mb"
        );
        let by_kind = |table: &str| {
            let file: FileConfig =
                toml::from_str(&format!("[max_upload_mb_by_kind]\n{table}")).unwrap();
            Config::resolve(Overrides::default(), file, "x")
        };
        assert_eq!(
            by_kind("departments = 1").unwrap().max_upload_bytes_by_kind["departments"],
            1 << 20
        );
        let e = by_kind("departmnts = 1").unwrap_err().to_string();
        assert!(e.contains("max_upload_mb_by_kind.departmnts"), "{e}");
        assert!(by_kind("calls = 0").is_err());
        assert_eq!(
            (c.read_limits.max_rows, c.read_limits.max_columns),
            (1000, 40)
        );
        assert_eq!(c.read_limits.max_unzipped_bytes, 64 << 20);
        let zero = FileConfig {
            import_max_columns: Some(0),
            ..Default::default()
        };
        let e = Config::resolve(Overrides::default(), zero, "x")
            .unwrap_err()
            .to_string();
        assert!(e.contains("import_max_columns"), "{e}");
    }

    #[test]
    fn an_unknown_key_in_the_file_is_refused_with_its_line() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("kaohe.toml");
        std::fs::write(&p, "company_name = \"A\"\ncompnay = 1\n").unwrap();
        let e = FileConfig::read(&p).unwrap_err().to_string();
        assert!(
            e.contains("kaohe.toml") && e.contains("line 2") && e.contains("compnay"),
            "{e}"
        );
    }
}
