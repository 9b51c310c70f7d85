//! The resume stores the package ships (`resume_stores.js`) and their TypeScript declarations: a caller passes
//! one of these, or any object with the same three methods, as `resumeStore`.

use wasm_bindgen::prelude::*;

use crate::bindings::args::text;
use crate::error::Error;

#[wasm_bindgen(module = "/src/bindings/resume_stores.js")]
extern "C" {
    #[wasm_bindgen(js_name = memoryStore)]
    fn memory_store_js() -> JsValue;
    #[wasm_bindgen(js_name = fileStore, catch)]
    fn file_store_js(dir: &str) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(js_name = indexedDbStore)]
    fn indexed_db_store_js(name: Option<String>) -> JsValue;
    /// IndexedDB in a browser page, memory elsewhere.
    #[wasm_bindgen(js_name = defaultStore)]
    pub fn default_store() -> JsValue;
}

#[wasm_bindgen(typescript_custom_section)]
const RESUME_STORE: &'static str = r#"
/**
 * Where interrupted uploads are remembered. Records hold a fingerprint (a SHA-256 of the file's size, name,
 * modification time and a sample of its bytes), never the file name or a token.
 */
export interface ResumeStore {
  find(fingerprint: string): Promise<ResumeRecord[]>;
  save(record: ResumeRecord): Promise<void>;
  remove(key: string): Promise<void>;
}

export interface ResumeUploadRef {
  /** Root-relative tus upload URL. */
  path: string;
  start: number;
  length: number;
}

export interface ResumeRecord {
  key: string;
  fingerprint: string;
  /** The base URL the upload went to. */
  endpoint: string;
  fileTransferId: string;
  size: number;
  chunkSize: number;
  /** One upload, or the partials of a parallel upload. */
  uploads: ResumeUploadRef[];
  /** Set once the final concatenation was created. */
  finalPath: string | null;
  /** Milliseconds since the epoch. */
  created: number;
  /** When the service forgets the uploads if nothing more is sent (milliseconds since the epoch). */
  expires: number;
}
"#;

/// A resume store in this realm's memory (survives a new client, not a reload).
#[wasm_bindgen(js_name = memoryResumeStore, unchecked_return_type = "ResumeStore")]
pub fn memory_resume_store() -> JsValue {
    memory_store_js()
}

/// A resume store keeping one JSON file per interrupted upload in `dir` (Node, Deno, Bun).
#[wasm_bindgen(js_name = fileResumeStore, unchecked_return_type = "ResumeStore")]
pub fn file_resume_store(#[wasm_bindgen(unchecked_param_type = "string")] dir: JsValue) -> Result<JsValue, JsValue> {
    let dir = text(&dir, "directory of fileResumeStore")?;
    file_store_js(&dir).map_err(|e| Error::client_caused("cannot make a file resume store", e).into())
}

/// A resume store in IndexedDB (database `name`, default `altinn-broker-client`): the default in browser pages.
#[wasm_bindgen(js_name = indexedDbResumeStore, unchecked_return_type = "ResumeStore")]
pub fn indexed_db_resume_store(
    #[wasm_bindgen(unchecked_optional_param_type = "string")] name: JsValue,
) -> Result<JsValue, JsValue> {
    let name = if name.is_undefined() || name.is_null() {
        None
    } else {
        Some(text(&name, "database name of indexedDbResumeStore")?)
    };
    Ok(indexed_db_store_js(name))
}
