//! Record lists per kind (SPEC §3): filters, pages of 50 rows, and CSV / xlsx exports of the
//! same filtered list. The store narrows every list and export to the viewer's data scope;
//! exports are audited there.

use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::WebError;
use crate::i18n::{self, Lang};
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{Html, IntoResponse, Redirect, Response};
use kaohe_domain::Period;
use kaohe_domain::import::cell;
use kaohe_domain::import::files::{CsvWriter, TableWriter, XlsxWriter};
use kaohe_domain::import::spec::{self, KindSpec};
use kaohe_store::records::{Filter, Op, Query as StoreQuery};
use minijinja::context;
use serde::{Deserialize, Serialize};

/// Rows on one page of a list.
pub const PAGE_ROWS: i64 = 50;

/// `?period=2026-10&field=工号&op=eq&value=E001&page=2` (all optional).
#[derive(Debug, Default, Deserialize, Serialize)]
pub struct ListQuery {
    pub period: Option<String>,
    pub field: Option<String>,
    pub op: Option<String>,
    pub value: Option<String>,
    pub page: Option<i64>,
    /// Exports only: `csv` (default) or `xlsx`.
    pub format: Option<String>,
}

fn invalid(field: &str, message: impl Into<String>) -> WebError {
    WebError::Invalid {
        field: field.into(),
        message: message.into(),
    }
}

/// The kind named in the URL.
pub fn kind_spec(kind: &str) -> Result<&'static KindSpec, WebError> {
    spec::kind(kind).map_err(WebError::NotFound)
}

fn op(text: &str) -> Result<Op, WebError> {
    Ok(match text {
        "" | "eq" => Op::Eq,
        "ne" => Op::Ne,
        "lt" => Op::Lt,
        "le" => Op::Le,
        "gt" => Op::Gt,
        "ge" => Op::Ge,
        "contains" => Op::Contains,
        other => return Err(invalid("op", format!("unknown comparison `{other}`"))),
    })
}

fn non_empty(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

impl ListQuery {
    /// The store's query for this list (without paging).
    fn to_store(&self) -> Result<StoreQuery, WebError> {
        let period = non_empty(&self.period)
            .map(Period::parse)
            .transpose()
            .map_err(|e| invalid("period", e.to_string()))?;
        let mut filters = Vec::new();
        if let (Some(field), Some(value)) = (non_empty(&self.field), non_empty(&self.value)) {
            filters.push(Filter {
                field: field.to_string(),
                op: op(self.op.as_deref().unwrap_or(""))?,
                value: value.to_string(),
            });
        }
        Ok(StoreQuery {
            filters,
            period,
            ..StoreQuery::default()
        })
    }

    /// The query string of this list without `page` and `format`, for links.
    fn link(&self) -> String {
        let pairs = [
            ("period", &self.period),
            ("field", &self.field),
            ("op", &self.op),
            ("value", &self.value),
        ];
        pairs
            .iter()
            .filter_map(|(k, v)| non_empty(v).map(|v| format!("{k}={}", encode(v))))
            .collect::<Vec<_>>()
            .join("&")
    }
}

/// Percent-encodes a query value (UTF-8 bytes outside the unreserved set).
pub fn encode(v: &str) -> String {
    v.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The label of a kind in the UI language.
pub fn kind_label(lang: Lang, kind: &str) -> &'static str {
    i18n::t(lang, &format!("kind_{kind}"))
}

/// `GET /records`: the first list.
pub async fn index(_me: CurrentUser) -> Redirect {
    Redirect::to("/records/customers")
}

#[derive(Serialize)]
struct KindLink {
    kind: &'static str,
    label: &'static str,
}

/// Every kind, for the kind menus of the list and import pages.
pub fn kind_links(lang: Lang) -> Vec<impl Serialize> {
    spec::KINDS
        .iter()
        .map(|k| KindLink {
            kind: k.kind,
            label: kind_label(lang, k.kind),
        })
        .collect()
}

/// Every kind a file imports (the record kinds and the import-only ones), for the import
/// page's menu.
pub fn import_kind_links(lang: Lang) -> Vec<impl Serialize> {
    spec::KINDS
        .iter()
        .chain(spec::IMPORT_ONLY)
        .map(|k| KindLink {
            kind: k.kind,
            label: kind_label(lang, k.kind),
        })
        .collect()
}

/// `GET /records/{kind}`: one page of the list.
pub async fn page(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(kind): Path<String>,
    Query(q): Query<ListQuery>,
) -> Result<Html<String>, WebError> {
    let spec = kind_spec(&kind)?;
    let page = q.page.unwrap_or(1).max(1);
    let mut query = q.to_store()?;
    query.limit = Some(PAGE_ROWS + 1);
    query.offset = (page - 1) * PAGE_ROWS;
    let mut rows = state
        .store
        .list_cells(&me.viewer, spec, &query, &state.zone)
        .await?;
    let has_next = rows.len() as i64 > PAGE_ROWS;
    rows.truncate(PAGE_ROWS as usize);
    let zh = me.lang == Lang::Zh;
    let texts: Vec<Vec<String>> = rows
        .iter()
        .map(|cells| {
            spec.columns
                .iter()
                .zip(cells)
                .map(|(c, v)| cell::format(c, v, &state.zone, zh).text().to_string())
                .collect()
        })
        .collect();
    let columns: Vec<String> = spec
        .columns
        .iter()
        .map(|c| crate::forms::column_label(me.lang, c))
        .collect();
    let fields: Vec<(&str, String)> = spec
        .columns
        .iter()
        .map(|c| (c.field, crate::forms::column_label(me.lang, c)))
        .collect();
    let link = q.link();
    let ctx = context! {
        kind => spec.kind,
        kind_label => kind_label(me.lang, spec.kind),
        kinds => kind_links(me.lang),
        columns,
        fields,
        has_rows => !texts.is_empty(),
        rows => minijinja::Value::from_safe_string(rows_html(spec.kind, spec.has_id(), &texts)),
        page,
        has_next,
        has_period => spec.day.is_some(),
        has_id => spec.has_id(),
        can_write => me.viewer.role.may_write(spec.kind).is_ok(),
        link,
        q,
    };
    crate::pages::render_page(&state, &me, "records.html", ctx)
}

/// The list's table rows as HTML, each cell escaped, the first one linking to the record's form
/// when the kind has ids. Built here, not in the template: a page of 50 rows of 19 columns is a
/// thousand cells, which the template engine took milliseconds to walk.
fn rows_html(kind: &str, has_id: bool, rows: &[Vec<String>]) -> String {
    use std::fmt::Write;
    let mut out = String::with_capacity(rows.len() * 512);
    for row in rows {
        out.push_str("<tr>");
        for (i, v) in row.iter().enumerate() {
            let v = crate::charts::esc(v);
            if i == 0 && has_id {
                let _ = write!(out, "<td><a href=\"/records/{kind}/{v}/edit\">{v}</a></td>");
            } else {
                let _ = write!(out, "<td>{v}</td>");
            }
        }
        out.push_str("</tr>\n");
    }
    out
}

/// Rows a web xlsx export may hold: the workbook is built in memory (the xlsx writer needs
/// the whole sheet before it can zip it), so it is bounded; larger lists export as CSV, which
/// streams.
pub const WEB_XLSX_MAX_ROWS: u64 = 100_000;

/// A [`TableWriter`] that refuses rows past a bound (header included).
struct Bounded<'w> {
    inner: &'w mut (dyn TableWriter + Send),
    rows: u64,
    max: u64,
}

impl TableWriter for Bounded<'_> {
    fn write_row(&mut self, cells: &[cell::OutCell]) -> Result<(), String> {
        self.rows += 1;
        if self.rows > self.max + 1 {
            return Err(format!(
                "more than {} rows: export this list as CSV, or narrow it with a filter",
                self.max
            ));
        }
        self.inner.write_row(cells)
    }
}

/// The bytes of a CSV export, sent in chunks of this size through a bounded channel.
const CHUNK: usize = 64 * 1024;

/// A `Write` that hands full chunks to the response body, blocking while the client is
/// behind (the channel holds a few chunks), so a large export never sits in memory whole.
struct ChunkWriter {
    buf: Vec<u8>,
    tx: std::sync::mpsc::SyncSender<std::io::Result<Vec<u8>>>,
}

impl ChunkWriter {
    fn send(&mut self) -> std::io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let chunk = std::mem::replace(&mut self.buf, Vec::with_capacity(CHUNK));
        self.tx
            .send(Ok(chunk))
            .map_err(|_| std::io::Error::new(std::io::ErrorKind::BrokenPipe, "client went away"))
    }
}

impl std::io::Write for ChunkWriter {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.buf.extend_from_slice(data);
        if self.buf.len() >= CHUNK {
            self.send()?;
        }
        Ok(data.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.send()
    }
}

/// `GET /records/{kind}/export?format=csv|xlsx&…`: the whole filtered list as a file, in the
/// viewer's language and scope; audited by the store. CSV is streamed as it is read (bounded
/// memory whatever the size); xlsx is built in memory and limited to [`WEB_XLSX_MAX_ROWS`].
pub async fn export(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(kind): Path<String>,
    Query(q): Query<ListQuery>,
) -> Result<Response, WebError> {
    let spec = kind_spec(&kind)?;
    let query = q.to_store()?;
    let zh = me.lang == Lang::Zh;
    let permit = state.heavy.enter(me.user.id)?;
    let xlsx = match q.format.as_deref().unwrap_or("csv") {
        "csv" => false,
        "xlsx" => true,
        other => {
            return Err(invalid(
                "format",
                format!("`{other}`: expected csv or xlsx"),
            ));
        }
    };
    let name = format!("{}.{}", spec.kind, if xlsx { "xlsx" } else { "csv" });
    let target = format!("web download {name}");
    let store = &state.store;
    // A bad filter answers 422 before any byte of the file is sent.
    let probe = StoreQuery {
        limit: Some(1),
        ..query.clone()
    };
    store
        .list_cells(&me.viewer, spec, &probe, &state.zone)
        .await?;
    let disposition = (
        header::CONTENT_DISPOSITION,
        format!("attachment; filename=\"{name}\""),
    );
    if xlsx {
        // Built in memory and zipped: seconds of work for a large list, on the threads of
        // expensive requests rather than the server's.
        let (store, viewer, zone) = (state.store.clone(), me.viewer.clone(), state.zone);
        let file = name.clone();
        let bytes = crate::heavy::apart(async move {
            let _permit = permit;
            let to_web = |m: String| WebError::Internal(format!("writing {file}: {m}"));
            let mut w = XlsxWriter::new(spec.zh).map_err(to_web)?;
            let mut bounded = Bounded {
                inner: &mut w,
                rows: 0,
                max: WEB_XLSX_MAX_ROWS,
            };
            store
                .export_table(&viewer, spec, &query, &zone, zh, &target, &mut bounded)
                .await?;
            w.finish().map_err(to_web)
        })
        .await??;
        let mime = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
        return Ok((
            [(header::CONTENT_TYPE, mime.to_string()), disposition],
            bytes,
        )
            .into_response());
    }
    // The export runs on a blocking thread that drives the store's row stream and writes
    // CSV into chunks; the response body takes the chunks as the client reads them.
    let (tx, rx) = std::sync::mpsc::sync_channel::<std::io::Result<Vec<u8>>>(4);
    let handle = tokio::runtime::Handle::current();
    let (store, viewer, zone) = (state.store.clone(), me.viewer.clone(), state.zone);
    tokio::task::spawn_blocking(move || {
        let _permit = permit;
        let errors = tx.clone();
        let out = ChunkWriter {
            buf: Vec::with_capacity(CHUNK),
            tx,
        };
        let done = (|| -> Result<(), String> {
            let mut w = CsvWriter::new(out)?;
            handle
                .block_on(store.export_table(&viewer, spec, &query, &zone, zh, &target, &mut w))
                .map_err(|e| e.to_string())?;
            w.finish()
        })();
        if let Err(e) = done {
            // The headers are sent: breaking the body off is how the client learns of it.
            tracing::warn!(error = %e, "streamed export broke off");
            let _ = errors.send(Err(std::io::Error::other(e)));
        }
    });
    let rx = std::sync::Arc::new(std::sync::Mutex::new(rx));
    let chunks = futures_util::stream::unfold(rx, |rx| async move {
        let r = rx.clone();
        let next = tokio::task::spawn_blocking(move || r.lock().ok()?.recv().ok())
            .await
            .ok()
            .flatten()?;
        Some((next, rx))
    });
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            disposition,
        ],
        axum::body::Body::from_stream(chunks),
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_rows_escape_every_cell_and_link_the_id_only_when_the_kind_has_ids() {
        let rows = vec![vec!["7".to_string(), "A&B <x> \"q\"".to_string()]];
        let html = rows_html("customers", true, &rows);
        assert_eq!(
            html,
            "<tr><td><a href=\"/records/customers/7/edit\">7</a></td><td>A&amp;B &lt;x&gt; &quot;q&quot;</td></tr>\n"
        );
        let plain = rows_html("attendance", false, &rows);
        assert!(plain.starts_with("<tr><td>7</td>"), "{plain}");
        assert!(rows_html("calls", true, &[]).is_empty());
    }
}
