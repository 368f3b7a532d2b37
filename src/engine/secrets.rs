//! Secrets: the spans every renderer masks, and the values the last scrub
//! replaces in the finished output. Masks belong to a file's real path, so
//! a key file is masked in whatever role it is read (an include glob, a
//! firewall script, a symlink in `rc.conf.d/`).

use super::Report;
use crate::source::{FileId, FileKind, Span};
use crate::syntax;
use std::collections::HashMap;

/// Shorter values are masked by their spans only: scrubbing them from the
/// whole output would replace ordinary words.
const MIN_SCRUB_LEN: usize = 4;
/// A token of a setkey command that fails to parse may be a key or an SPI;
/// only key-sized ones are scrubbed.
const MIN_GUESSED_KEY_LEN: usize = 8;

/// Every known secret value. Its `Debug` shows only how many there are.
#[derive(Default)]
pub struct SecretValues(Vec<String>);

impl std::fmt::Debug for SecretValues {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SecretValues({} values)", self.0.len())
    }
}

impl Report {
    /// Register spans of a file that renderers must mask.
    pub fn add_secrets(&mut self, file: FileId, spans: Vec<Span>) {
        if spans.is_empty() {
            return;
        }
        match self.secrets.iter_mut().find(|(f, _)| *f == file) {
            Some((_, v)) => v.extend(spans),
            None => self.secrets.push((file, spans)),
        }
    }
    /// Register key values for the last scrub.
    pub(crate) fn add_secret_values(&mut self, values: impl IntoIterator<Item = String>) {
        let known = &mut self.secret_values.0;
        for v in values {
            let v = v.trim();
            if v.len() >= MIN_SCRUB_LEN && !known.iter().any(|k| k == v) {
                known.push(v.to_string());
            }
        }
    }
    /// The file's text with every secret byte replaced by `*` (offsets
    /// unchanged): the only text a renderer or the baseline may show.
    pub fn masked_text(&self, file: FileId) -> std::sync::Arc<str> {
        let text = &self.db.get(file).text;
        let spans = self.secret_spans(file);
        if spans.is_empty() {
            return text.clone();
        }
        let mut bytes = text.as_bytes().to_vec();
        for s in spans {
            for b in bytes
                .iter_mut()
                .take(s.end().min(text.len()))
                .skip(s.start())
            {
                if *b != b'\n' {
                    *b = b'*';
                }
            }
        }
        String::from_utf8(bytes)
            .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
            .into()
    }
    pub fn secret_spans(&self, file: FileId) -> &[Span] {
        self.secrets
            .iter()
            .find(|(f, _)| *f == file)
            .map(|(_, s)| s.as_slice())
            .unwrap_or(&[])
    }
    /// The net under the net: every known key in `text` — as written, as
    /// JSON escapes it and as GitHub's workflow commands escape it — is
    /// replaced by as many `*`. Applied to every finished output.
    pub fn scrub(&self, text: &str) -> String {
        let mut patterns: Vec<String> = Vec::new();
        for v in &self.secret_values.0 {
            for form in [v.clone(), json_escaped(v), github_escaped(v)] {
                if !patterns.contains(&form) {
                    patterns.push(form);
                }
            }
        }
        if patterns.is_empty() {
            return text.to_string();
        }
        let Ok(ac) = aho_corasick::AhoCorasick::builder()
            .match_kind(aho_corasick::MatchKind::LeftmostLongest)
            .build(&patterns)
        else {
            return text.to_string();
        };
        let stars: Vec<String> = patterns.iter().map(|p| "*".repeat(p.len())).collect();
        ac.replace_all(text, &stars)
    }
}

fn json_escaped(v: &str) -> String {
    let quoted = serde_json::to_string(v).unwrap_or_default();
    quoted
        .strip_prefix('"')
        .and_then(|q| q.strip_suffix('"'))
        .unwrap_or(&quoted)
        .to_string()
}

fn github_escaped(v: &str) -> String {
    v.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
        .replace(':', "%3A")
        .replace(',', "%2C")
}

/// After every file of the run is read: a file read in no key role still
/// has its keys masked (by its name and content), and every reading of one
/// real file gets the masks of all its readings.
pub(crate) fn finish(report: &mut Report) {
    for i in 0..report.db.files().len() {
        let id = FileId(i as u32);
        if !report.keyed.contains(&id) {
            mask_by_content(report, id);
        }
    }
    share_masks_by_real_path(report);
    redact_quoted_secrets(report);
}

/// A message may quote a shortened line (`add … "Sekr...`), which no scrub
/// of whole values finds: a quoted fragment that holds the start of a masked
/// secret of its file becomes `…`.
fn redact_quoted_secrets(report: &mut Report) {
    let mut diagnostics = std::mem::take(&mut report.diagnostics);
    for d in &mut diagnostics {
        let heads = secret_heads(report, d.location.file);
        d.message = without_secret_fragments(&d.message, &heads);
        if let Some(h) = &d.help {
            d.help = Some(without_secret_fragments(h, &heads));
        }
        for r in &mut d.related {
            let heads = secret_heads(report, r.location.file);
            r.message = without_secret_fragments(&r.message, &heads);
        }
    }
    report.diagnostics = diagnostics;
}

/// How much of a key a shortened quote must show to be recognised.
const HEAD_LEN: usize = 8;

/// The first bytes of every masked key of a file: of each masked span, its
/// first token that is no address and no path and long enough not to be
/// an ordinary word (a masked span may hold prose or an identifier too).
fn secret_heads(report: &Report, file: FileId) -> Vec<String> {
    let text = &report.db.get(file).text;
    report
        .secret_spans(file)
        .iter()
        .filter_map(|s| text.get(s.start()..s.end()))
        .filter_map(|t| {
            t.split_whitespace()
                .map(|w| w.trim_matches(['"', '\'']))
                .find(|w| w.parse::<std::net::IpAddr>().is_err() && !w.contains('/'))
                .filter(|w| w.len() >= HEAD_LEN)
                .map(|w| w.chars().take(HEAD_LEN).collect())
        })
        .collect()
}

fn without_secret_fragments(message: &str, heads: &[String]) -> String {
    if heads.is_empty() || !message.contains('`') {
        return message.to_string();
    }
    let mut out = String::with_capacity(message.len());
    for (i, part) in message.split('`').enumerate() {
        if i > 0 {
            out.push('`');
        }
        // Odd pieces are inside backticks.
        if i % 2 == 1 && heads.iter().any(|h| part.contains(h.as_str())) {
            out.push('…');
        } else {
            out.push_str(part);
        }
    }
    out
}

/// Keys found in a file whatever role it was read in: psk.txt entries when
/// it is a key file, manual keys when it holds setkey commands, quoted
/// secrets of formats we do not model, and keys pasted into comments.
fn mask_by_content(report: &mut Report, id: FileId) {
    let file = report.db.get(id);
    let text = file.text.clone();
    let names = [Some(&file.path), file.real.as_ref()];
    let is_key_file = names
        .iter()
        .flatten()
        .any(|p| is_secrets_file(p) || super::classify(p, Some(&text)) == Some(FileKind::PskTxt));
    let mut spans = Vec::new();
    if is_key_file {
        let psk = syntax::psk::parse(&text);
        spans.extend(syntax::psk::secret_spans(&psk));
        report.add_secret_values(psk_values(&psk, &text));
    } else if super::sniff(&text).setkey > 0 {
        let parsed = syntax::setkey::parse(id, &text);
        report.add_secret_values(setkey_values(&parsed.secrets, &text));
        spans.extend(parsed.secrets);
    }
    let (quoted, values) = quoted_secrets(&text);
    spans.extend(quoted);
    report.add_secret_values(values);
    spans.extend(comment_keys(&text));
    report.add_secrets(id, spans);
}

/// libreswan and strongSwan keep their keys in `ipsec.secrets` and
/// `*.secrets` files.
pub(crate) fn is_secrets_file(path: &std::path::Path) -> bool {
    path.file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase())
        .is_some_and(|n| n.ends_with(".secrets") || n == "secrets")
}

/// The keys of a psk.txt in use, and those commented out that read as one
/// key (a comment's rest may be prose: it stays masked, but is not
/// scrubbed from every output).
pub(crate) fn psk_values(psk: &syntax::psk::PskFile, text: &str) -> Vec<String> {
    psk.lines
        .iter()
        .filter_map(|l| match l {
            syntax::psk::PskLine::Entry(e) => Some(e.key.expose().to_string()),
            syntax::psk::PskLine::Comment { key: Some(k), .. } => text
                .get(k.start()..k.end())
                .map(str::trim)
                .filter(|k| !k.contains(char::is_whitespace) && looks_secret(k))
                .map(String::from),
            _ => None,
        })
        .collect()
}

/// The manual keys of a setkey file, without their quotes.
pub(crate) fn setkey_values(spans: &[Span], text: &str) -> Vec<String> {
    spans
        .iter()
        .filter_map(|s| text.get(s.start()..s.end()))
        .map(|k| k.trim().trim_matches('"').to_string())
        .filter(|k| k.len() >= MIN_GUESSED_KEY_LEN)
        .collect()
}

/// Words after which a line holds a key in formats ipseclint does not
/// model: Apple's racoon `shared_secret use "…";`, and the secrets files of
/// libreswan and strongSwan (`ids : PSK "…"`).
const KEY_WORDS: &[&str] = &["shared_secret", "PSK", "XAUTH", "EAP", "NTLM", "PIN"];

/// The rest of every line after a key word: masked; quoted strings (or the
/// bare tokens) there are scrubbed values.
fn quoted_secrets(text: &str) -> (Vec<Span>, Vec<String>) {
    let mut spans = Vec::new();
    let mut values = Vec::new();
    let mut at = 0;
    for line in text.split_inclusive('\n') {
        // A key word is `shared_secret` or stands next to a `:`: other lines
        // need no look at their words.
        let may_hold_key = line.contains(':') || line.contains("shared_secret");
        if let Some(after) = may_hold_key.then(|| after_key_word(line)).flatten() {
            let rest = line[after..].trim_end();
            let rest = rest.strip_suffix(';').unwrap_or(rest);
            if !rest.trim().is_empty() {
                spans.push(Span::new(at + after, at + after + rest.len()));
                values.extend(secret_tokens(rest));
            }
        }
        at += line.len();
    }
    (spans, values)
}

/// Where the secret part of a line starts, if a key word opens it.
fn after_key_word(line: &str) -> Option<usize> {
    let mut after_colon = false;
    for (pos, w) in tokens_with_offsets(line) {
        let w_bare = w.trim_start_matches(':');
        let is_key = match w_bare {
            "shared_secret" => true,
            _ => KEY_WORDS.contains(&w_bare) && (w.starts_with(':') || after_colon),
        };
        if is_key {
            return Some(pos + w.len());
        }
        after_colon = w.ends_with(':');
    }
    None
}

/// Quoted strings, or else every token, of a secret part.
fn secret_tokens(rest: &str) -> Vec<String> {
    let quoted: Vec<String> = rest
        .split('"')
        .skip(1)
        .step_by(2)
        .map(String::from)
        .collect();
    if quoted.is_empty() {
        rest.split_whitespace().map(String::from).collect()
    } else {
        quoted
    }
}

/// A key pasted into a comment (`# old key: Xy7…`): in a comment that
/// mentions a key, secret, password or psk, every later token that does not
/// read as a word, a number or a path is masked. A guess, so only masked,
/// never scrubbed from messages.
fn comment_keys(text: &str) -> Vec<Span> {
    let mut spans = Vec::new();
    let mut at = 0;
    for line in text.split_inclusive('\n') {
        if let Some(hash) = line.find('#') {
            let comment = &line[hash..];
            let lower = comment.to_ascii_lowercase();
            let mention = ["key", "secret", "passw", "psk"]
                .iter()
                .filter_map(|w| lower.find(w))
                .min();
            if let Some(m) = mention {
                let base = at + hash;
                for (pos, token) in tokens_with_offsets(comment) {
                    if pos > m && looks_secret(token) {
                        spans.push(Span::new(base + pos, base + pos + token.len()));
                    }
                }
            }
        }
        at += line.len();
    }
    spans
}

fn tokens_with_offsets(s: &str) -> impl Iterator<Item = (usize, &str)> {
    s.split_whitespace()
        .map(move |w| (w.as_ptr() as usize - s.as_ptr() as usize, w))
}

fn looks_secret(token: &str) -> bool {
    let t =
        token.trim_matches(|c: char| matches!(c, '"' | '\'' | ',' | ';' | '.' | ':' | '(' | ')'));
    let plain_word = t
        .chars()
        .all(|c| c.is_ascii_lowercase() || c == '-' || c == '_')
        || t.chars().all(|c| c.is_ascii_digit());
    t.len() >= 6 && !plain_word && !t.contains('/') && t.parse::<std::net::IpAddr>().is_err()
}

/// Every reading of one real file shows the same masked text: the masks of
/// all readings with the same real path and the same text are shared.
fn share_masks_by_real_path(report: &mut Report) {
    let mut groups: HashMap<(&std::path::Path, &str), Vec<FileId>> = HashMap::new();
    for f in report.db.files() {
        if let Some(real) = &f.real {
            groups
                .entry((real.as_path(), &*f.text))
                .or_default()
                .push(f.id);
        }
    }
    let shared: Vec<(Vec<FileId>, Vec<Span>)> = groups
        .into_values()
        .filter(|ids| ids.len() > 1)
        .map(|ids| {
            let spans = ids
                .iter()
                .flat_map(|id| report.secret_spans(*id).iter().copied())
                .collect();
            (ids, spans)
        })
        .collect();
    for (ids, spans) in shared {
        for id in ids {
            report.add_secrets(id, spans.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_words_open_the_secret_part() {
        let text = "remote x {\n\tshared_secret use \"abc def\";\n}\n1.2.3.4 5.6.7.8 : PSK \"k1k1\"\n%any :PSK 0sQUJD\n";
        let (spans, values) = quoted_secrets(text);
        assert_eq!(spans.len(), 3);
        assert_eq!(values, ["abc def", "k1k1", "0sQUJD"]);
        assert_eq!(&text[spans[0].start()..spans[0].end()], " use \"abc def\"");
        let (none, _) = quoted_secrets("# PSK is configured elsewhere\nPSK_FILE=x\n");
        assert!(none.is_empty());
    }

    #[test]
    fn only_key_like_tokens_in_key_comments_are_masked() {
        let text = "# old key: Xy7pasted99\n# keys live in /usr/local/etc/racoon/psk.txt\n# a plain comment Xy7pasted99\n";
        let spans = comment_keys(text);
        let masked: Vec<&str> = spans.iter().map(|s| &text[s.start()..s.end()]).collect();
        assert_eq!(masked, ["Xy7pasted99"]);
    }

    #[test]
    fn quoted_fragments_with_a_secret_head_go() {
        let heads = vec!["Sekret1a".to_string()];
        let m = without_secret_fragments("not run: `add \"Sekret1abc...` (see `ipfw`)", &heads);
        assert_eq!(m, "not run: `…` (see `ipfw`)");
    }

    #[test]
    fn scrub_replaces_every_form_of_a_key() {
        let mut r = Report::default();
        r.add_secret_values(["se\"cret, key".to_string(), "abc".to_string()]);
        let out = r.scrub("a se\"cret, key b se\\\"cret, key c se\"cret%2C key abc");
        assert_eq!(out, "a ************ b ************* c ************** abc");
        assert!(!format!("{r:?}").contains("cret, key"));
    }
}
