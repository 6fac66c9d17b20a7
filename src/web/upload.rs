//! Uploaded files: read from a multipart form into a private temporary file, as CSV in any
//! encoding the CLI takes, or an Excel workbook (.xlsx, its first sheet) turned into CSV, so
//! an upload goes through the very import the CLI runs.

use super::html::Failure;
use crate::error::{Check, Problem};
use axum::extract::Multipart;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// A file from a form: its name as the user's machine called it, and where it now lies.
pub struct Upload {
    pub name: String,
    pub path: PathBuf,
    _dir: TempDir,
}

/// A directory removed when dropped.
struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The text fields and the files of a multipart form.
pub struct Parts {
    pub fields: HashMap<String, String>,
    pub files: HashMap<String, Upload>,
}

/// Reads a multipart form; files go to a new private directory each.
pub async fn read(mut form: Multipart) -> Result<Parts, Failure> {
    let mut parts = Parts { fields: HashMap::new(), files: HashMap::new() };
    while let Some(field) = form.next_field().await.map_err(|_| Failure::TooLarge)? {
        let Some(name) = field.name().map(str::to_string) else { continue };
        match field.file_name().map(str::to_string) {
            Some(file_name) => {
                let bytes = field.bytes().await.map_err(|_| Failure::TooLarge)?;
                if file_name.is_empty() && bytes.is_empty() {
                    continue;
                }
                let upload = super::html::blocking(move || Ok(save(&file_name, &bytes)?)).await?;
                parts.files.insert(name, upload);
            }
            None => {
                let text = field.text().await.map_err(|_| Failure::TooLarge)?;
                parts.fields.insert(name, text);
            }
        }
    }
    Ok(parts)
}

/// The name shown for an uploaded file: its last path part, printable characters only.
fn shown_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let clean: String = base.chars().filter(|c| !c.is_control()).take(120).collect();
    if clean.is_empty() {
        "upload.csv".to_string()
    } else {
        clean
    }
}

fn save(file_name: &str, bytes: &[u8]) -> crate::error::Result<Upload> {
    let name = shown_name(file_name);
    let dir = std::env::temp_dir().join(format!("fundledger-upload-{}", super::auth::random_token()));
    create_private_dir(&dir)?;
    let dir = TempDir(dir);
    let path = dir.0.join("upload.csv");
    if name.to_lowercase().ends_with(".xlsx") || bytes.starts_with(b"PK\x03\x04") {
        std::fs::write(&path, xlsx_to_csv(&name, bytes)?)?;
    } else {
        std::fs::write(&path, bytes)?;
    }
    Ok(Upload { name, path, _dir: dir })
}

#[cfg(unix)]
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new().mode(0o700).create(dir)
}

#[cfg(not(unix))]
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir(dir)
}

/// The first sheet of a workbook as UTF-8 CSV: text as it is, numbers as Excel shows them
/// without grouping (money cells come back with their decimals), dates as YYYY-MM-DD.
pub fn xlsx_to_csv(name: &str, bytes: &[u8]) -> crate::error::Result<Vec<u8>> {
    use calamine::{Data, Reader, Xlsx};
    let bad = |detail: String| {
        crate::error::Error::rejected(Problem::new(
            Check::File,
            crate::tr!(
                "{name} 不是可读的 Excel 工作簿（.xlsx）：{detail}",
                "{name} is not a readable Excel workbook (.xlsx): {detail}"
            ),
        ))
    };
    let mut book = Xlsx::new(std::io::Cursor::new(bytes.to_vec())).map_err(|e| bad(e.to_string()))?;
    let Some(sheet) = book.sheet_names().first().cloned() else {
        return Err(bad(crate::lang::pick("没有工作表", "it has no sheet").to_string()));
    };
    let range = book.worksheet_range(&sheet).map_err(|e| bad(e.to_string()))?;
    let mut out = csv::Writer::from_writer(Vec::new());
    for row in range.rows() {
        let cells: Vec<String> = row
            .iter()
            .map(|c| match c {
                Data::Empty => String::new(),
                Data::String(s) => s.clone(),
                Data::Int(i) => i.to_string(),
                // The shortest decimal that reads back as the stored number: 1234.5 as typed,
                // and a computed 0.30000000000000004 as it is, which the amount parser then
                // refuses (R6) rather than rounding it silently.
                Data::Float(f) => f.to_string(),
                Data::Bool(b) => b.to_string(),
                Data::DateTime(d) => d.as_datetime().map(|t| t.date().to_string()).unwrap_or_default(),
                Data::DateTimeIso(s) | Data::DurationIso(s) => s.chars().take(10).collect(),
                Data::Error(e) => format!("#{e:?}"),
            })
            .collect();
        out.write_record(&cells).map_err(|e| bad(e.to_string()))?;
    }
    out.into_inner().map_err(|e| bad(e.to_string()))
}
