//! Where things lead: the peer statement a remote address, psk.txt
//! identifier, sainfo or SPD tunnel endpoint pairs with, the file a
//! statement names, and a file's outline. Everything is read from the
//! report's gateway models; nothing here checks anything.

use crate::engine::Report;
use crate::model::gateway::{Gateway, PeerKind, PeerRef};
use crate::source::{FileId, FileKind, Span};
use std::net::IpAddr;
use std::path::{Path, PathBuf};

/// A place in a file of the report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Place {
    pub file: FileId,
    pub span: Span,
}

/// The file of the report read at `path` (the latest reading).
pub fn file_id(report: &Report, path: &Path) -> Option<FileId> {
    report
        .db
        .files()
        .iter()
        .rev()
        .find(|f| f.path == path)
        .map(|f| f.id)
}

/// The loaded gateway a file belongs to.
pub fn gateway_of<'a>(report: &'a Report, path: &Path) -> Option<&'a Gateway> {
    report
        .gateways
        .iter()
        .map(|g| &g.gateway)
        .filter(|g| path.starts_with(&g.root))
        .max_by_key(|g| g.root.components().count())
}

fn contains(span: Span, offset: usize) -> bool {
    span.start() <= offset && offset <= span.end()
}

/// The peer reference (remote address, SPD tunnel endpoint, psk.txt
/// identifier, gif destination) under the cursor.
pub fn peer_ref_at(gw: &Gateway, file: FileId, offset: usize) -> Option<PeerRef> {
    gw.peers()
        .into_iter()
        .find(|p| p.file == file && contains(p.span, offset))
}

/// The gateway of the report that owns an address, other than `me`.
pub fn owner<'a>(report: &'a Report, me: &Gateway, address: IpAddr) -> Option<&'a Gateway> {
    report
        .gateways
        .iter()
        .map(|g| &g.gateway)
        .find(|g| g.root != me.root && g.owns(address) == Some(true))
}

/// The peer's statement that refers back to `me`: of the same kind where
/// it has one (its remote for a remote, its psk.txt line for a psk.txt
/// line), else any.
pub fn mirror(peer: &Gateway, me: &Gateway, kind: PeerKind) -> Option<Place> {
    let mine = me.owned_addresses();
    let back: Vec<PeerRef> = peer
        .peers()
        .into_iter()
        .filter(|p| mine.contains(&p.address))
        .collect();
    back.iter()
        .find(|p| p.kind == kind)
        .or_else(|| back.first())
        .map(|p| Place {
            file: p.file,
            span: p.span,
        })
}

/// Normalised text of a place (blanks collapsed), for comparing ids.
fn words(report: &Report, file: FileId, span: Span) -> String {
    report
        .db
        .get(file)
        .slice(span)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// From a sainfo header: the peer's sainfo with the ids the other way round.
pub fn mirror_sainfo<'a>(
    report: &'a Report,
    me: &Gateway,
    file: FileId,
    offset: usize,
) -> Option<(Place, &'a Gateway)> {
    let part = me.racoon.iter().find(|p| p.file == file)?;
    let s = part
        .model
        .sainfos
        .iter()
        .find(|s| contains(s.header(), offset))?;
    let local = words(report, file, id_span(s.local()));
    let remote = words(report, file, id_span(s.remote()?));
    for g in report
        .gateways
        .iter()
        .map(|g| &g.gateway)
        .filter(|g| g.root != me.root)
    {
        for p in &g.racoon {
            for t in &p.model.sainfos {
                let Some(tr) = t.remote() else { continue };
                if words(report, p.file, id_span(t.local())) == remote
                    && words(report, p.file, id_span(tr)) == local
                {
                    return Some((
                        Place {
                            file: p.file,
                            span: t.header(),
                        },
                        g,
                    ));
                }
            }
        }
    }
    None
}

fn id_span(id: &crate::syntax::racoon::SainfoId) -> Span {
    use crate::syntax::racoon::SainfoId;
    match id {
        SainfoId::Anonymous(s) | SainfoId::ClientAddr(s) => *s,
        SainfoId::Address { span, .. } | SainfoId::Named { span, .. } => *span,
    }
}

/// Statements that name a file (`include`, `path pre_shared_key`,
/// `ipsec_file`, `firewall_script`, `firewall_type`, `ipfilter_rules`…)
/// in this file, with the file each names, where it exists.
pub fn file_links(report: &Report, path: &Path) -> Vec<(Span, PathBuf)> {
    let Some(file) = file_id(report, path) else {
        return Vec::new();
    };
    let Some(gw) = gateway_of(report, path) else {
        return Vec::new();
    };
    let same_file = |id: FileId| report.db.get(id).path == report.db.get(file).path;
    let mut out: Vec<(Span, PathBuf)> = gw
        .files
        .iter()
        .filter_map(|r| {
            let m = r.mention.as_ref()?;
            let target = r.resolved.path()?;
            same_file(m.file).then(|| (m.span, target.to_path_buf()))
        })
        .collect();
    out.sort_by_key(|(s, _)| s.start());
    out.dedup();
    out
}

/// A symbol of a file's outline.
#[derive(Clone, Debug)]
pub struct Symbol {
    pub name: String,
    pub kind: SymbolKind,
    pub span: Span,
    pub selection: Span,
    pub children: Vec<Symbol>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SymbolKind {
    Remote,
    Proposal,
    Sainfo,
    Block,
    Command,
    Rule,
}

/// The first line of a statement's text, up to its `{`, blanks collapsed.
fn heading(text: &str, span: Span) -> String {
    let s = text.get(span.start()..span.end()).unwrap_or("");
    let s = s.split(['{', '\n']).next().unwrap_or(s);
    let s: Vec<&str> = s.split_whitespace().collect();
    let mut out = s.join(" ");
    if out.chars().count() > 80 {
        out = out.chars().take(79).collect::<String>() + "…";
    }
    out
}

/// The outline of a file: remotes (with their proposals), sainfos and
/// blocks of racoon.conf; setkey commands (without their keys); ipfw and
/// ipf rules.
pub fn symbols(kind: FileKind, text: &str) -> Vec<Symbol> {
    match kind {
        FileKind::RacoonConf => racoon_symbols(text),
        FileKind::Setkey => setkey_symbols(text),
        FileKind::Ipf => {
            let parsed = crate::syntax::ipf::parse(
                FileId(0),
                text,
                crate::syntax::ipf::IpfVersion::default(),
            );
            parsed
                .file
                .rules
                .iter()
                .map(|r| leaf(text, r.span, SymbolKind::Rule))
                .collect()
        }
        FileKind::Ipfw => ipfw_symbols(text),
        _ => Vec::new(),
    }
}

fn leaf(text: &str, span: Span, kind: SymbolKind) -> Symbol {
    Symbol {
        name: heading(text, span),
        kind,
        span,
        selection: span,
        children: Vec::new(),
    }
}

fn racoon_symbols(text: &str) -> Vec<Symbol> {
    use crate::syntax::racoon::TopItem;
    let parsed = crate::syntax::racoon::parse(FileId(0), text);
    parsed
        .conf
        .items
        .iter()
        .filter_map(|item| match item {
            TopItem::Remote(r) => Some(Symbol {
                name: heading(text, r.header),
                kind: SymbolKind::Remote,
                span: r.span,
                selection: r.header,
                children: r
                    .body
                    .iter()
                    .flat_map(|b| b.proposals.iter())
                    .map(|p| leaf(text, p.keyword.span, SymbolKind::Proposal))
                    .map(|mut s| {
                        s.name = "proposal".to_string();
                        s
                    })
                    .collect(),
            }),
            TopItem::Sainfo(s) => Some(Symbol {
                name: heading(text, s.header),
                kind: SymbolKind::Sainfo,
                span: s.span,
                selection: s.header,
                children: Vec::new(),
            }),
            TopItem::Block(b) => Some(Symbol {
                name: b.keyword.value.as_str().to_string(),
                kind: SymbolKind::Block,
                span: b.span,
                selection: b.keyword.span,
                children: Vec::new(),
            }),
            TopItem::Setting(_) => None,
        })
        .collect()
}

/// A setkey command named by its words up to the first option (`-E`,
/// `-A`, `-P`…), so a manual key is never part of a name; a policy adds
/// its direction.
fn setkey_symbols(text: &str) -> Vec<Symbol> {
    let parsed = crate::syntax::setkey::parse(FileId(0), text);
    parsed
        .file
        .commands
        .iter()
        .map(|c| {
            let words: Vec<&str> = text[c.span.start()..c.span.end()]
                .split_whitespace()
                .collect();
            let mut name: Vec<&str> = words
                .iter()
                .take_while(|w| !w.starts_with('-') && !w.starts_with('"') && !w.contains(';'))
                .take(6)
                .copied()
                .collect();
            if let Some(i) = words.iter().position(|w| *w == "-P") {
                name.extend(words.get(i..i + 2).unwrap_or(&[]).iter().copied());
            }
            Symbol {
                name: name.join(" "),
                kind: SymbolKind::Command,
                span: c.span,
                selection: c.keyword.span,
                children: Vec::new(),
            }
        })
        .collect()
}

fn ipfw_symbols(text: &str) -> Vec<Symbol> {
    let mut out = Vec::new();
    let mut at = 0;
    for line in text.split_inclusive('\n') {
        let t = line.trim();
        let words: Vec<&str> = t.split_whitespace().collect();
        let is_rule = !t.starts_with('#')
            && (words.first() == Some(&"add")
                || words
                    .windows(2)
                    .any(|w| w[0].ends_with("ipfw") && w[1] == "add")
                || words.iter().any(|w| w.ends_with("ipfw")) && words.contains(&"add"));
        if is_rule {
            let lead = line.len() - line.trim_start().len();
            let span = Span::new(at + lead, at + lead + t.len());
            out.push(leaf(text, span, SymbolKind::Rule));
        }
        at += line.len();
    }
    out
}
