//! The module graph has no cycle: every top-level module of `src/` uses only modules listed
//! before it in `LAYERS` (lowest first), which is also the order README's Layout section gives.
//! A `use crate::x` that points upwards fails here, naming the file and the module.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

const LAYERS: &[&str] = &[
    "lang", "error", "money", "progress", "model", "subsidy", "allocate", "catalog", "audit", "rules",
    "import", "db", "pipeline", "ledger", "users", "verify", "report", "render", "args", "web", "dev",
    "commands", "cli",
];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("src is readable") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The crate modules a file names as `crate::x`, outside its unit tests (a macro exported at
/// the crate's root, `crate::outln!`, is not a module).
fn uses(text: &str) -> BTreeSet<String> {
    let code = text.split("#[cfg(test)]").next().unwrap_or(text);
    code.match_indices("crate::")
        .filter_map(|(i, m)| {
            let rest = &code[i + m.len()..];
            let name: String = rest.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
            let is_macro = rest[name.len()..].starts_with('!');
            (!name.is_empty() && !is_macro && name.starts_with(|c: char| c.is_ascii_lowercase()))
                .then_some(name)
        })
        .collect()
}

#[test]
fn every_module_uses_only_the_layers_below_it() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut upward = Vec::new();
    let mut seen = BTreeSet::new();
    for file in &files {
        let rel = file.strip_prefix(&src).expect("under src");
        let top = rel.components().next().expect("a component").as_os_str().to_string_lossy();
        let top = top.trim_end_matches(".rs").to_string();
        if top == "lib" || top == "main" {
            continue;
        }
        let Some(level) = LAYERS.iter().position(|l| *l == top) else {
            panic!("src/{top} is not in LAYERS: place it in the layer order (and in README's Layout)");
        };
        seen.insert(top.clone());
        let text = std::fs::read_to_string(file).expect("readable");
        for used in uses(&text) {
            if used == top {
                continue;
            }
            match LAYERS.iter().position(|l| *l == used) {
                Some(i) if i < level => {}
                _ => {
                    upward.push(format!("src/{} uses crate::{used}, which is not below {top}", rel.display()))
                }
            }
        }
    }
    assert!(upward.is_empty(), "{}", upward.join("\n"));
    assert_eq!(seen.len(), LAYERS.len(), "every layer exists: {seen:?}");
}

#[test]
fn an_upward_use_is_found() {
    let found = uses(
        "use crate::cli::Cli;\nfn f() { crate::render::print(); crate::outln!(); }\n#[cfg(test)]\nmod t { use crate::db; }",
    );
    assert_eq!(found, ["cli".to_string(), "render".to_string()].into_iter().collect());
}
