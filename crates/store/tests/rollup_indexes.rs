//! The roll-up builds rely on indexes on (person, window field) for the tables listed in
//! `PERSON_INDEXES`: each must exist in the schema, with the person column first, or the
//! build's `IN (SELECT id FROM employees)` would read a table the slow way.

use kaohe_domain::catalogue::RecordKind;
use kaohe_store::rollup::PERSON_INDEXES;
use kaohe_store::{Sql, Store};

async fn index_columns(store: &Store, table: &str) -> Vec<Vec<String>> {
    let mut sql = Sql::new("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = ");
    sql.bind(table);
    let names: Vec<(String,)> = store.fetch_all(&sql).await.unwrap();
    let mut out = Vec::new();
    for (name,) in names {
        let sql = Sql::new(&format!(
            "SELECT name FROM pragma_index_info('{name}') ORDER BY seqno"
        ));
        let cols: Vec<(String,)> = store.fetch_all(&sql).await.unwrap();
        out.push(cols.into_iter().map(|c| c.0).collect());
    }
    out
}

#[tokio::test]
async fn every_listed_table_has_its_person_and_window_index() {
    let db = kaohe_testkit::sqlite();
    let store = db.open().await;
    for (table, field) in PERSON_INDEXES {
        let kind = RecordKind::ALL
            .iter()
            .find(|k| k.def().name == *table)
            .unwrap_or_else(|| panic!("{table} is not a record kind"));
        let person = kind.def().employee_field;
        let wanted = vec![person.to_string(), field.to_string()];
        let indexes = index_columns(&store, table).await;
        assert!(
            indexes.iter().any(|cols| cols.starts_with(&wanted)),
            "{table}: no index on ({person}, {field}); indexes: {indexes:?}"
        );
    }
}
