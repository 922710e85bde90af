//! The API's contract is a reviewed change: the OpenAPI document the server serves must
//! equal the committed copy `tests/openapi.json`. A change to a handler's or a shape's
//! annotations that changes the contract fails here until the copy is updated with
//! `UPDATE_OPENAPI=1 cargo test --test suite openapi_document`, so the diff of that file
//! shows partners' developers (and reviewers) exactly what changed.

use std::path::PathBuf;

fn committed_copy() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/openapi.json")
}

#[test]
fn the_served_document_equals_the_committed_copy() {
    let served = boxoffice::web::api::openapi::document();
    let pretty = serde_json::to_string_pretty(served).unwrap() + "\n";
    let path = committed_copy();
    if std::env::var_os("UPDATE_OPENAPI").is_some() {
        std::fs::write(&path, &pretty).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e}; write it with UPDATE_OPENAPI=1", path.display()));
    let committed: serde_json::Value = serde_json::from_str(&committed).unwrap();
    if &committed != served {
        let first_difference = pretty
            .lines()
            .zip(serde_json::to_string_pretty(&committed).unwrap().lines())
            .enumerate()
            .find(|(_, (a, b))| a != b)
            .map(|(n, (a, b))| format!("line {}: served {a:?}, committed {b:?}", n + 1));
        panic!(
            "the API contract changed ({}); if intended, run \
             UPDATE_OPENAPI=1 cargo test --test suite openapi_document and commit tests/openapi.json",
            first_difference.unwrap_or_else(|| "in length".into())
        );
    }
}
