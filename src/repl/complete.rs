//! Tab completion. Computed on the interpreter thread, which owns the session's values
//! (the line editor's completer sends the request through the event queue):
//!
//! - after `value.` (a name, or a chain of struct fields / module items): the value's
//!   fields and methods (struct fields, methods of a declared type, native methods,
//!   built-in methods of String, List, Dict, Bytes, numbers, Option/Result, Task);
//! - after `path::`: the items of a module (`net::`), the variants and associated
//!   functions of a type (`Color::`);
//! - in an `import` line: std module names, and the items of `import net::{...}`;
//! - otherwise: keywords, the session's names and the prelude;
//! - at the start of a line (only spaces before the cursor): four spaces of indentation;
//! - on a `:command` line ([`command_line`], answered on the editor thread): the command
//!   names, and after `:load ` the files of the current directory (or of the directory
//!   typed: `dir/par` completes to the entries of `dir` starting with `par`).

use super::session::Session;
use crate::interp::value::Value;
use crate::resolve::{GlobalKind, ModuleScope};
use crate::syntax::token::KEYWORDS;
use std::collections::BTreeSet;
use std::rc::Rc;

fn is_ident_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// Candidates for the word before `pos`: the byte offset where it starts, and the
/// replacements (sorted, without duplicates).
pub fn complete(session: &Session, line: &str, pos: usize) -> (usize, Vec<String>) {
    let mut pos = pos.min(line.len());
    while !line.is_char_boundary(pos) {
        pos -= 1;
    }
    let before = &line[..pos];
    let this_line = &before[before.rfind('\n').map(|i| i + 1).unwrap_or(0)..];
    if this_line.trim().is_empty() {
        return (pos, vec!["    ".to_string()]);
    }
    let word_len = before.chars().rev().take_while(|&c| is_ident_char(c)).map(char::len_utf8).sum::<usize>();
    let start = pos - word_len;
    let prefix = &before[start..];
    let head = &before[..start];
    let found = if let Some(rest) = this_line.trim_start().strip_prefix("import ") {
        let rest = rest.trim_start();
        match rest.split_once("::") {
            // `import net.tc`: the whole dotted module path
            None => {
                let mods = session.interp.registry.modules.iter().map(|m| m.name).filter(|m| m.starts_with(rest));
                let mods = mods.map(str::to_string).collect();
                return (pos - rest.len(), mods);
            }
            Some((module, _)) => std_items(session, module.trim()),
        }
    } else if let Some(chain) = head.strip_suffix('.').and_then(trailing_path(".")) {
        chain_value(session, &chain).map(|v| members(session, &v)).unwrap_or_default()
    } else if let Some(path) = head.strip_suffix("::").and_then(trailing_path("::")) {
        path_items(session, &path)
    } else if head.ends_with('.') || head.ends_with("::") {
        Vec::new()
    } else {
        names(session)
    };
    let set: BTreeSet<String> = found.into_iter().filter(|c| c.starts_with(prefix)).collect();
    (start, set.into_iter().collect())
}

/// The REPL's commands, as Tab offers them (`:load ` takes a file name).
const COMMANDS: [&str; 5] = [":help", ":quit", ":load ", ":tasks", ":reset"];

/// Completion on a `:command` line (the buffer's only line): command names, and file
/// names after `:load `. None on any other line.
pub fn command_line(line: &str, pos: usize) -> Option<(usize, Vec<String>)> {
    let before = line.get(..pos)?;
    let text = before.trim_start();
    if !text.starts_with(':') || line.contains('\n') {
        return None;
    }
    let lead = before.len() - text.len();
    Some(match text.split_once(char::is_whitespace) {
        None => (lead, COMMANDS.iter().filter(|c| c.starts_with(text)).map(|c| c.to_string()).collect()),
        Some((":load", arg)) => {
            let arg = arg.trim_start();
            file_names(arg, pos - arg.len())
        }
        Some(_) => (pos, Vec::new()),
    })
}

/// Entries of the directory named by `arg` (up to its last `/`; the current directory
/// without one) that start with the rest of `arg`; directories end with `/`. Hidden
/// entries only for a prefix starting with `.`. `start`: where `arg` starts in the line.
fn file_names(arg: &str, start: usize) -> (usize, Vec<String>) {
    let (dir, prefix) = match arg.rfind('/') {
        Some(i) => arg.split_at(i + 1),
        None => ("", arg),
    };
    let entries = std::fs::read_dir(if dir.is_empty() { "." } else { dir });
    let mut found: Vec<String> = entries
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().into_string().ok()?;
            if !name.starts_with(prefix) || (name.starts_with('.') && !prefix.starts_with('.')) {
                return None;
            }
            Some(if e.path().is_dir() { name + "/" } else { name })
        })
        .collect();
    found.sort();
    (start + dir.len(), found)
}

/// A `name(.name)*` (or `::`) path ending at the end of `text`, if there is one.
fn trailing_path(sep: &'static str) -> impl Fn(&str) -> Option<Vec<String>> {
    move |text: &str| {
        let mut parts = Vec::new();
        let mut rest = text;
        loop {
            let n = rest.chars().rev().take_while(|&c| is_ident_char(c)).count();
            if n == 0 {
                return None;
            }
            let (head, name) = rest.split_at(rest.len() - n);
            if name.starts_with(|c: char| c.is_ascii_digit()) {
                return None;
            }
            parts.push(name.to_string());
            match head.strip_suffix(sep) {
                Some(h) => rest = h,
                None => break,
            }
        }
        parts.reverse();
        Some(parts)
    }
}

/// A global of the session (or the prelude) by name.
fn global(session: &Session, name: &str) -> Option<Value> {
    let g = session.scope.names.borrow().get(name).copied();
    let g = g.or_else(|| session.interp.table.borrow().prelude.get(name).copied())?;
    Some(session.interp.global(g))
}

/// Follows `a.b.c` through struct fields and module items (nothing is called).
fn chain_value(session: &Session, chain: &[String]) -> Option<Value> {
    let mut v = global(session, chain.first()?)?;
    for name in &chain[1..] {
        v = match &v {
            Value::Struct(s) => {
                let i = s.def.field_index(name)?;
                s.fields.borrow()[i].clone()
            }
            Value::Module(m) => m.get(&session.interp, name).ok()?,
            _ => return None,
        };
    }
    Some(v)
}

/// Fields and methods of a value (what may follow `value.`): a declared type's fields
/// and methods, and the registry's methods of the value's type.
fn members(session: &Session, v: &Value) -> Vec<String> {
    let mut out: Vec<String> = session.interp.registry.method_names(v.type_tag()).map(str::to_string).collect();
    match v {
        Value::Struct(s) => {
            out.extend(s.def.fields.iter().map(|f| f.to_string()));
            out.extend(methods_of(&s.def));
        }
        Value::Enum(e) => out.extend(methods_of(&e.def)),
        Value::Module(m) => out.extend(m.scope.exports.borrow().iter().map(|n| n.to_string())),
        _ => {}
    }
    out
}

/// Methods (taking `self`) of a declared type.
fn methods_of(def: &crate::interp::value::TypeDef) -> Vec<String> {
    def.members
        .borrow()
        .iter()
        .filter(|(_, v)| match v {
            Value::Func(c) => c.decl.takes_receiver(),
            _ => true,
        })
        .map(|(k, _)| k.to_string())
        .collect()
}

/// An imported module bound to a session name (`import net`): its scope.
fn module_at(session: &Session, g: u32) -> Option<Rc<ModuleScope>> {
    match &session.interp.table.borrow().info.get(g as usize)?.kind {
        GlobalKind::Module(m) => Some(m.clone()),
        _ => None,
    }
}

/// What may follow `path::`.
fn path_items(session: &Session, path: &[String]) -> Vec<String> {
    let Some(first) = path.first() else { return Vec::new() };
    let g = session.scope.names.borrow().get(first.as_str()).copied();
    let g = g.or_else(|| session.interp.table.borrow().prelude.get(first.as_str()).copied());
    let Some(mut g) = g else {
        return std_items(session, &path.join("."));
    };
    for name in &path[1..] {
        let Some(m) = module_at(session, g) else { return Vec::new() };
        let Some(next) = m.names.borrow().get(name.as_str()).copied() else { return Vec::new() };
        g = next;
    }
    if let Some(m) = module_at(session, g) {
        return m.exports.borrow().iter().map(|n| n.to_string()).collect();
    }
    match session.interp.global(g) {
        Value::Type(def) => {
            let mut out: Vec<String> = def.members.borrow().keys().map(|k| k.to_string()).collect();
            out.extend(def.variants.iter().map(|(n, _)| n.to_string()));
            out
        }
        Value::Module(m) => m.scope.exports.borrow().iter().map(|n| n.to_string()).collect(),
        _ => Vec::new(),
    }
}

/// The public names of a std module (loaded as an import would load it).
fn std_items(session: &Session, dotted: &str) -> Vec<String> {
    match session.interp.module_scope(dotted) {
        Some(scope) => scope.exports.borrow().iter().map(|n| n.to_string()).collect(),
        None => Vec::new(),
    }
}

/// Keywords, the session's names and the prelude.
fn names(session: &Session) -> Vec<String> {
    let mut out: Vec<String> = KEYWORDS.iter().map(|k| k.to_string()).collect();
    out.extend(session.scope.names.borrow().keys().map(|k| k.to_string()));
    out.extend(session.interp.table.borrow().prelude.keys().map(|k| k.to_string()));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::repl::bridge::Interrupts;

    fn session(src: &str) -> Session {
        let s = Session::new(&crate::RunOptions::default(), std::sync::Arc::new(Interrupts::default()));
        s.run_entry("<test>", src, std::path::PathBuf::new(), false).expect("entry runs");
        s
    }

    fn at_end(s: &Session, line: &str) -> (usize, Vec<String>) {
        complete(s, line, line.len())
    }

    #[test]
    fn names_members_and_paths() {
        let s = session(
            "import net\nstruct P:\n    xx: i64\n    fn norm(self): return 1\n    fn origin(): return P { xx: 0 }\nlet pt = P { xx: 1 }\nlet items = [1]\nenum Color:\n    Red\n    Green\n",
        );
        assert_eq!(at_end(&s, "print(ite"), (6, vec!["items".to_string()]));
        assert!(at_end(&s, "wh").1.contains(&"while".to_string()));
        assert_eq!(at_end(&s, "pt.").1, vec!["norm", "to_string", "xx"]);
        assert_eq!(at_end(&s, "items.pu"), (6, vec!["push".to_string()]));
        assert_eq!(at_end(&s, "P::").1, vec!["norm", "origin"]);
        assert_eq!(at_end(&s, "Color::").1, vec!["Green", "Red"]);
        assert_eq!(at_end(&s, "net::Tcp").1, vec!["TcpListener", "TcpStream"]);
        assert_eq!(at_end(&s, "x = net::TcpStream::con").1, vec!["connect"]);
        assert_eq!(at_end(&s, "import net.t"), (7, vec!["net.tcp".to_string()]));
        assert_eq!(at_end(&s, "import net::{UdpSocket, Tc").1, vec!["TcpListener", "TcpStream"]);
        assert_eq!(at_end(&s, "    "), (4, vec!["    ".to_string()]));
        assert!(at_end(&s, "nothing_here.").1.is_empty());
    }

    #[test]
    fn commands_and_files() {
        let at = |line: &str| command_line(line, line.len());
        assert_eq!(at(":he"), Some((0, vec![":help".to_string()])));
        assert_eq!(at("  :q"), Some((2, vec![":quit".to_string()])));
        assert_eq!(at(":"), Some((0, COMMANDS.iter().map(|c| c.to_string()).collect())));
        assert_eq!(at("print(1)"), None);
        assert_eq!(at(":he\nx"), None);
        assert_eq!(at(":tasks x"), Some((8, vec![])));
        let dir = std::env::temp_dir().join(format!("simple-complete-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("sub_dir")).unwrap();
        for f in ["part_one.spl", "part_two.spl", ".hidden", "other"] {
            std::fs::write(dir.join(f), "").unwrap();
        }
        let d = dir.to_str().unwrap();
        let line = format!(":load {d}/part_");
        let want = vec!["part_one.spl".to_string(), "part_two.spl".to_string()];
        assert_eq!(at(&line), Some((line.len() - 5, want)));
        let line = format!(":load   {d}/");
        let got = at(&line).unwrap();
        assert_eq!(got, (line.len(), ["other", "part_one.spl", "part_two.spl", "sub_dir/"].map(String::from).to_vec()));
        assert_eq!(at(&format!(":load {d}/.h")).unwrap().1, vec![".hidden"]);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
