//! The emulator's layers point one way: read from the sources, the graph of `crate::`/`super::`/`self::`
//! references between the files of `src/` has no import circle larger than a module and its own submodules, and
//! every reference goes from a higher layer to the same or a lower one (the table in [`LAYERS`]).
//!
//! Written by hand on purpose: a few lines of lexing (comments, strings, chars skipped) and a `use`-tree reader
//! are enough for this crate, and keep the check free of a parser dependency and of a build of the crate itself.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The top-level modules from the highest layer to the lowest; a module may use its own layer (when the circle
/// check allows it) and any layer below, never one above.
const LAYERS: &[&[&str]] = &[
    &["app"],
    &["routes"],
    &["extract", "service", "http"],
    &["jobs"],
    &["lifecycle"],
    &["state"],
    &["auth"],
    &["world"],
    &["store", "clock"],
    &["error", "crash", "cli"],
];

type Module = Vec<String>;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Tok {
    Ident(String),
    /// `::`
    Path,
    Punct(char),
}

/// Tokens of a Rust source with the line each starts on; comments, string, byte-string, raw-string and char
/// literals and lifetimes are dropped.
fn lex(src: &str) -> Vec<(Tok, usize)> {
    let b = src.as_bytes();
    let mut out = Vec::new();
    let (mut i, mut line) = (0, 1);
    let skip_to = |i: &mut usize, line: &mut usize, end: usize| {
        *line += src[*i..end].matches('\n').count();
        *i = end;
    };
    while i < b.len() {
        let c = b[i];
        let rest = &src[i..];
        if c == b'\n' {
            line += 1;
            i += 1;
        } else if c.is_ascii_whitespace() {
            i += 1;
        } else if rest.starts_with("//") {
            i += rest.find('\n').unwrap_or(rest.len());
        } else if rest.starts_with("/*") {
            let (mut depth, mut j) = (0usize, i);
            while j < b.len() {
                if src[j..].starts_with("/*") {
                    depth += 1;
                    j += 2;
                } else if src[j..].starts_with("*/") {
                    depth -= 1;
                    j += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    j += 1;
                }
            }
            skip_to(&mut i, &mut line, j);
        } else if let Some(hashes) = raw_string_start(rest) {
            let open = rest.find('"').unwrap_or(0) + 1;
            let close = format!("\"{}", "#".repeat(hashes));
            let end = rest[open..].find(&close).map_or(rest.len(), |e| open + e + close.len());
            let to = i + end;
            skip_to(&mut i, &mut line, to);
        } else if c == b'"' || (c == b'b' && rest.starts_with("b\"")) {
            let mut j = i + if c == b'b' { 2 } else { 1 };
            while j < b.len() && b[j] != b'"' {
                j += if b[j] == b'\\' { 2 } else { 1 };
            }
            skip_to(&mut i, &mut line, (j + 1).min(b.len()));
        } else if c == b'\'' || (c == b'b' && rest.starts_with("b'")) {
            // A char literal ('x', '\n', '\u{..}') or a lifetime ('a): a lifetime has no closing quote right after.
            let start = i + if c == b'b' { 2 } else { 1 };
            let mut j = start;
            if j < b.len() && b[j] == b'\\' {
                j += 2;
                while j < b.len() && b[j] != b'\'' {
                    j += 1;
                }
                i = j + 1;
            } else {
                let ch_len = src[j..].chars().next().map_or(1, char::len_utf8);
                j += ch_len;
                if j < b.len() && b[j] == b'\'' {
                    i = j + 1;
                } else {
                    // A lifetime or label: skip the quote and its name.
                    i = start;
                    while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                        i += 1;
                    }
                }
            }
        } else if c.is_ascii_alphabetic() || c == b'_' {
            let mut j = i;
            while j < b.len() && (b[j].is_ascii_alphanumeric() || b[j] == b'_') {
                j += 1;
            }
            out.push((Tok::Ident(src[i..j].to_owned()), line));
            i = j;
        } else if c.is_ascii_digit() {
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                i += 1;
            }
        } else if rest.starts_with("::") {
            out.push((Tok::Path, line));
            i += 2;
        } else {
            let ch = rest.chars().next().unwrap_or(' ');
            out.push((Tok::Punct(ch), line));
            i += ch.len_utf8();
        }
    }
    out
}

/// `r"`, `r#"`, `br##"` ...: the number of hashes.
fn raw_string_start(s: &str) -> Option<usize> {
    let s = s.strip_prefix('b').unwrap_or(s);
    let s = s.strip_prefix('r')?;
    let hashes = s.len() - s.trim_start_matches('#').len();
    s[hashes..].starts_with('"').then_some(hashes)
}

/// Reads a path or `use` tree starting at `toks[i]` (its first segment); returns the full paths it names.
fn read_tree(toks: &[(Tok, usize)], mut i: usize, prefix: Vec<String>, out: &mut Vec<Vec<String>>) -> usize {
    let mut path = prefix;
    loop {
        match toks.get(i).map(|t| &t.0) {
            Some(Tok::Ident(name)) => {
                if name == "self" && !path.is_empty() {
                    // `{self, ..}`: the prefix itself.
                } else {
                    path.push(name.clone());
                }
                i += 1;
            }
            Some(Tok::Punct('{')) => {
                i += 1;
                loop {
                    match toks.get(i).map(|t| &t.0) {
                        Some(Tok::Punct('}')) => return i + 1,
                        Some(Tok::Punct(',')) => i += 1,
                        None => return i,
                        _ => i = read_tree(toks, i, path.clone(), out),
                    }
                }
            }
            Some(Tok::Punct('*')) => {
                out.push(path);
                return i + 1;
            }
            _ => {
                out.push(path);
                return i;
            }
        }
        if toks.get(i).map(|t| &t.0) == Some(&Tok::Path) {
            i += 1;
        } else {
            // `as name` after a leaf.
            if matches!(toks.get(i).map(|t| &t.0), Some(Tok::Ident(k)) if k == "as") {
                i += 2;
            }
            out.push(path);
            return i;
        }
    }
}

struct Crate {
    /// Every file module, by module path (`[]` is `lib.rs`).
    files: BTreeMap<Module, PathBuf>,
    /// from → to → the lines (`file:line`) that make the edge.
    edges: BTreeMap<Module, BTreeMap<Module, Vec<String>>>,
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let p = entry.unwrap().path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
}

fn module_of(src_dir: &Path, file: &Path) -> Module {
    let rel = file.strip_prefix(src_dir).unwrap();
    let mut parts: Vec<String> = rel.iter().map(|s| s.to_string_lossy().into_owned()).collect();
    let last = parts.pop().unwrap();
    let stem = last.trim_end_matches(".rs");
    if stem != "mod" && stem != "lib" {
        parts.push(stem.to_owned());
    }
    parts
}

fn read_crate() -> Crate {
    let src_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut paths = Vec::new();
    rust_files(&src_dir, &mut paths);
    // `main.rs` is the binary's own crate: it reaches the library by name, not by `crate::`.
    paths.retain(|p| p.file_name().is_some_and(|n| n != "main.rs"));
    let files: BTreeMap<Module, PathBuf> = paths.iter().map(|p| (module_of(&src_dir, p), p.clone())).collect();
    let mut edges: BTreeMap<Module, BTreeMap<Module, Vec<String>>> = BTreeMap::new();
    for (module, path) in &files {
        let src = std::fs::read_to_string(path).unwrap();
        let toks = lex(&src);
        let rel = path.strip_prefix(&src_dir).unwrap().display().to_string();
        // Inline modules (`mod tests { .. }`) change what `self` and `super` mean.
        let mut inline: Vec<(String, usize)> = Vec::new();
        let mut depth = 0usize;
        let mut i = 0;
        while i < toks.len() {
            match &toks[i].0 {
                Tok::Punct('{') => depth += 1,
                Tok::Punct('}') => {
                    depth = depth.saturating_sub(1);
                    if inline.last().is_some_and(|(_, d)| *d == depth) {
                        inline.pop();
                    }
                }
                Tok::Ident(k) if k == "mod" => {
                    if let (Some((Tok::Ident(name), _)), Some((Tok::Punct('{'), _))) =
                        (toks.get(i + 1), toks.get(i + 2))
                    {
                        inline.push((name.clone(), depth));
                        depth += 1;
                        i += 3;
                        continue;
                    }
                }
                Tok::Ident(k) if matches!(k.as_str(), "crate" | "super" | "self") => {
                    let starts_path = i == 0 || !matches!(toks[i - 1].0, Tok::Path | Tok::Punct('$'));
                    if starts_path && toks.get(i + 1).map(|t| &t.0) == Some(&Tok::Path) {
                        let line = toks[i].1;
                        let mut here: Module = module.clone();
                        here.extend(inline.iter().map(|(n, _)| n.clone()));
                        let mut j = i;
                        let mut base = if k == "crate" { Vec::new() } else { here };
                        // `crate::` / `self::` / `super::super::..`
                        if k == "crate" || k == "self" {
                            j += 2;
                        } else {
                            while matches!(toks.get(j).map(|t| &t.0), Some(Tok::Ident(s)) if s == "super")
                                && toks.get(j + 1).map(|t| &t.0) == Some(&Tok::Path)
                            {
                                base.pop();
                                j += 2;
                            }
                        }
                        let mut named = Vec::new();
                        let end = read_tree(&toks, j, base, &mut named);
                        for target in named {
                            let to = (0..=target.len())
                                .rev()
                                .map(|n| target[..n].to_vec())
                                .find(|p| files.contains_key(p))
                                .unwrap_or_default();
                            if &to != module {
                                edges
                                    .entry(module.clone())
                                    .or_default()
                                    .entry(to)
                                    .or_default()
                                    .push(format!("{rel}:{line}"));
                            }
                        }
                        i = end.max(i + 1);
                        continue;
                    }
                }
                _ => {}
            }
            i += 1;
        }
    }
    Crate { files, edges }
}

fn name(m: &Module) -> String {
    if m.is_empty() {
        "crate".into()
    } else {
        m.join("::")
    }
}

/// Tarjan's strongly connected components.
fn components(c: &Crate) -> Vec<Vec<Module>> {
    struct T<'a> {
        c: &'a Crate,
        index: BTreeMap<Module, usize>,
        low: BTreeMap<Module, usize>,
        stack: Vec<Module>,
        on: BTreeSet<Module>,
        out: Vec<Vec<Module>>,
    }
    fn visit(t: &mut T<'_>, v: &Module) {
        let n = t.index.len();
        t.index.insert(v.clone(), n);
        t.low.insert(v.clone(), n);
        t.stack.push(v.clone());
        t.on.insert(v.clone());
        let next: Vec<Module> = t.c.edges.get(v).map(|e| e.keys().cloned().collect()).unwrap_or_default();
        for w in &next {
            if !t.index.contains_key(w) {
                visit(t, w);
                let l = t.low[v].min(t.low[w]);
                t.low.insert(v.clone(), l);
            } else if t.on.contains(w) {
                let l = t.low[v].min(t.index[w]);
                t.low.insert(v.clone(), l);
            }
        }
        if t.low[v] == t.index[v] {
            let mut comp = Vec::new();
            while let Some(w) = t.stack.pop() {
                t.on.remove(&w);
                let done = &w == v;
                comp.push(w);
                if done {
                    break;
                }
            }
            t.out.push(comp);
        }
    }
    let mut t =
        T { c, index: BTreeMap::new(), low: BTreeMap::new(), stack: Vec::new(), on: BTreeSet::new(), out: Vec::new() };
    for v in c.files.keys() {
        if !t.index.contains_key(v) {
            visit(&mut t, v);
        }
    }
    t.out
}

fn describe(c: &Crate, comp: &[Module]) -> String {
    let set: BTreeSet<&Module> = comp.iter().collect();
    let mut s = String::new();
    for from in comp {
        for (to, at) in c.edges.get(from).into_iter().flatten() {
            if set.contains(to) {
                s.push_str(&format!("\n  {} -> {}  ({})", name(from), name(to), at.join(", ")));
            }
        }
    }
    s
}

#[test]
fn the_source_scan_sees_the_crate() {
    let c = read_crate();
    assert!(c.files.len() >= 40, "too few modules: {}", c.files.len());
    let n: usize = c.edges.values().map(BTreeMap::len).sum();
    assert!(n >= 100, "too few references found ({n}): the scan is broken");
    let state = vec!["state".to_owned()];
    assert!(c.edges[&state].contains_key(&vec!["store".to_owned()]), "state -> store not seen");
}

#[test]
fn no_import_circle_spans_more_than_a_module_and_its_submodules() {
    let c = read_crate();
    let mut bad = Vec::new();
    for comp in components(&c).into_iter().filter(|comp| comp.len() > 1) {
        let top = comp.iter().min_by_key(|m| m.len()).unwrap();
        let contained = !top.is_empty() && comp.iter().all(|m| m.starts_with(top));
        let mut names: Vec<String> = comp.iter().map(name).collect();
        names.sort();
        // Shown with `--nocapture`: the circles that stay inside one module.
        println!("within {}: {{{}}}", name(top), names.join(", "));
        if !contained {
            bad.push(format!("{{{}}}{}", names.join(", "), describe(&c, &comp)));
        }
    }
    assert!(bad.is_empty(), "import circles across modules:\n{}", bad.join("\n"));
}

#[test]
fn references_point_down_the_layers() {
    let c = read_crate();
    let rank = |m: &Module| -> Option<usize> {
        let top = m.first()?;
        LAYERS.iter().position(|layer| layer.contains(&top.as_str()))
    };
    let mut unranked = BTreeSet::new();
    let mut upward = Vec::new();
    for (from, tos) in &c.edges {
        for (to, at) in tos {
            match (rank(from), rank(to)) {
                (Some(a), Some(b)) if a > b => {
                    upward.push(format!("{} -> {}  ({})", name(from), name(to), at.join(", ")))
                }
                (Some(_), Some(_)) => {}
                _ => {
                    unranked.insert(if rank(from).is_none() { name(from) } else { name(to) });
                }
            }
        }
    }
    assert!(unranked.is_empty(), "modules missing from LAYERS: {unranked:?}");
    assert!(upward.is_empty(), "references up the layers:\n{}", upward.join("\n"));
}

#[test]
fn the_lexer_skips_what_is_not_code() {
    let toks = lex("let s = \"crate::x\"; // crate::y\n/* crate::z */ let c = '\"'; fn f<'a>() {} r#\"crate::w\"#");
    let idents: Vec<&str> = toks
        .iter()
        .filter_map(|(t, _)| match t {
            Tok::Ident(s) => Some(s.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(idents, ["let", "s", "let", "c", "fn", "f"]);
    let toks = lex("use crate::{a::{self, B}, c::*};");
    let mut named = Vec::new();
    read_tree(&toks, 3, Vec::new(), &mut named);
    assert_eq!(named, [vec!["a"], vec!["a", "B"], vec!["c"]]);
}
