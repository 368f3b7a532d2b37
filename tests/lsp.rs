//! The language server in process, over an in-memory duplex: cross-peer
//! diagnostics appearing and clearing as west is edited, rapid edits,
//! hover and definition across the pair, code actions, no key in any
//! message, hostile input and random edits.

mod common;
use common::*;
#[path = "common/lsp_client.rs"]
mod lsp_client;
use lsp_client::{uri, Client};
#[path = "../benches/support/site.rs"]
mod generated;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

fn utf8_client() -> Value {
    json!({"general": {"positionEncodings": ["utf-8", "utf-16"]},
           "textDocument": {"hover": {"contentFormat": ["plaintext"]}},
           "window": {"workDoneProgress": true}})
}

/// A clean pair copied to a temporary site.
struct Pair {
    _tmp: tempfile::TempDir,
    root: PathBuf,
}

impl Pair {
    fn new(corpus: &str) -> Pair {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().canonicalize().unwrap().join("site");
        copy_dir(&project().join(corpus), &root);
        Pair { _tmp: tmp, root }
    }
    fn racoon(&self, gw: &str) -> PathBuf {
        self.root.join(gw).join("usr/local/etc/racoon/racoon.conf")
    }
    fn psk(&self, gw: &str) -> PathBuf {
        self.root.join(gw).join("usr/local/etc/racoon/psk.txt")
    }
    /// Every key of both psk.txt files.
    fn keys(&self) -> Vec<String> {
        ["west", "east"]
            .iter()
            .flat_map(|g| {
                std::fs::read_to_string(self.psk(g))
                    .unwrap()
                    .lines()
                    .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
                    .filter_map(|l| l.split_whitespace().nth(1).map(str::to_string))
                    .collect::<Vec<_>>()
            })
            .collect()
    }
    /// No key of the pair is in any message the server sent.
    fn assert_no_key_in(&self, c: &Client) {
        let all = c.seen.join("\n");
        for k in self.keys() {
            assert!(!all.contains(&k), "a key left the server");
        }
    }
    /// A JSON value with the temporary root written as `<site>`.
    fn redact(&self, v: &Value) -> Value {
        serde_json::from_str(
            &v.to_string()
                .replace(&self.root.display().to_string(), "<site>"),
        )
        .unwrap()
    }
}

fn codes(d: &[Value]) -> Vec<String> {
    d.iter()
        .map(|x| x["code"].as_str().unwrap_or("").to_string())
        .collect()
}

fn west_mismatched(text: &str) -> String {
    text.replacen("dh_group modp2048;", "dh_group modp1024;", 1)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn editing_west_shows_the_finding_on_east_and_fixing_it_clears_both() {
    let pair = Pair::new("corpus/pairs/clean-main-psk-ipfw");
    let (west, east) = (pair.racoon("west"), pair.racoon("east"));
    let mut c = Client::start().await;
    let init = c.initialize(&pair.root, utf8_client()).await;
    assert_eq!(init["result"]["capabilities"]["positionEncoding"], "utf-8");
    c.open(&west).await;
    let none = c.diagnostics_until(&uri(&west), |_| true).await;
    assert_eq!(
        codes(&none),
        Vec::<String>::new(),
        "the clean pair has no findings"
    );

    let original = std::fs::read_to_string(&west).unwrap();
    c.change_all(&west, 2, &west_mismatched(&original)).await;
    let on_east = c.diagnostics_until(&uri(&east), |d| !d.is_empty()).await;
    assert!(
        codes(&on_east).iter().all(|c| c == "IPS6003"),
        "{on_east:?}"
    );
    let on_west = c.diagnostics_until(&uri(&west), |d| !d.is_empty()).await;
    assert!(codes(&on_west).contains(&"IPS6003".to_string()));
    insta::assert_json_snapshot!("lsp_pair_mismatch_east", pair.redact(&json!(on_east)));
    insta::assert_json_snapshot!("lsp_pair_mismatch_west", pair.redact(&json!(on_west)));

    // The pairs table, as the editor's command asks for it: the buffer's
    // mismatch, not the disk's healthy file.
    let table = c
        .request(
            "workspace/executeCommand",
            json!({"command": "ipseclint.pairs", "arguments": []}),
        )
        .await;
    let text = table["result"]["text"].as_str().unwrap_or_default();
    assert!(
        text.contains("east <-> west") || text.contains("west <-> east"),
        "{table}"
    );
    let pairs = &table["result"]["sites"][0]["pairs"][0];
    assert!(
        pairs["a_to_b"].is_string() && pairs["b_to_a"].is_string(),
        "{table}"
    );
    assert!(
        pairs["a_to_b"] != "ESTABLISHED" || pairs["b_to_a"] != "ESTABLISHED",
        "{table}"
    );
    let unknown = c
        .request("workspace/executeCommand", json!({"command": "nope"}))
        .await;
    assert!(unknown["error"].is_object(), "{unknown}");

    c.change_all(&west, 3, &original).await;
    c.diagnostics_until(&uri(&east), |d| d.is_empty()).await;
    c.diagnostics_until(&uri(&west), |d| d.is_empty()).await;
    pair.assert_no_key_in(&c);
    c.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_rapid_edits_end_with_the_final_texts_diagnostics() {
    let pair = Pair::new("corpus/pairs/clean-main-psk-ipfw");
    let west = pair.racoon("west");
    let original = std::fs::read_to_string(&west).unwrap();
    let broken = original.replacen("exchange_mode main;", "exchange_mode main", 1);
    let mut c = Client::start().await;
    c.initialize(&pair.root, utf8_client()).await;
    c.open(&west).await;
    c.diagnostics_until(&uri(&west), |_| true).await;
    for v in 0..1000 {
        let text = if v % 2 == 0 { &broken } else { &original };
        c.change_all(&west, 2 + v, text).await;
    }
    // The last edit (v = 999) restores the original text: nothing is left,
    // and an IPS1003 from an earlier text never comes after it.
    c.diagnostics_until(&uri(&west), |d| d.is_empty()).await;
    // Nothing from an earlier text comes later.
    let last = c.drain(&uri(&west), 1000).await;
    assert!(last.as_ref().is_none_or(|d| d.is_empty()), "{last:?}");
    c.change_all(&west, 2000, &broken).await;
    let d = c.diagnostics_until(&uri(&west), |d| !d.is_empty()).await;
    assert_eq!(codes(&d), ["IPS1003"]);
    c.shutdown().await;
}

/// The position of the first `needle` in a file (UTF-8 columns).
/// Whether any of these diagnostics names `what`.
fn mentions(d: &[Value], what: &str) -> bool {
    d.iter()
        .any(|x| x["message"].as_str().is_some_and(|m| m.contains(what)))
}

/// In a full mesh an edit re-checks only the edited gateway's pairs (the
/// pairs among its peers did not change), and the findings of those other
/// pairs stay published.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_edit_rechecks_its_own_pairs_and_keeps_its_peers_findings() {
    let tmp = tempfile::tempdir().unwrap();
    let base = tmp.path().canonicalize().unwrap();
    generated::site(53, &mut generated::to_disk(&base));
    let root = base.join("site");
    let racoon = |g: &str| root.join(g).join("usr/local/etc/racoon/racoon.conf");
    // mesh01's second remote is mesh02: break that pair on disk.
    let (m0, m1) = (racoon("mesh00"), racoon("mesh01"));
    let text = std::fs::read_to_string(&m1).unwrap();
    let (at, old) = text.match_indices("dh_group modp2048;").nth(1).unwrap();
    let broken = format!(
        "{}dh_group modp1024;{}",
        &text[..at],
        &text[at + old.len()..]
    );
    std::fs::write(&m1, broken).unwrap();

    let mut c = Client::start().await;
    c.initialize(&root, utf8_client()).await;
    c.open(&m0).await;
    let before = c
        .diagnostics_until(&uri(&m1), |d| mentions(d, "mesh02"))
        .await;
    assert!(!mentions(&before, "mesh00"), "{before:?}");

    // mesh00's first remote is mesh01: break that pair in the buffer.
    let t0 = std::fs::read_to_string(&m0).unwrap();
    c.change_all(&m0, 2, &west_mismatched(&t0)).await;
    let after = c
        .diagnostics_until(&uri(&m1), |d| mentions(d, "mesh00"))
        .await;
    assert!(mentions(&after, "mesh02"), "{after:?}");
    let mesh02: Vec<&Value> = before
        .iter()
        .filter(|d| mentions(std::slice::from_ref(d), "mesh02"))
        .collect();
    for d in mesh02 {
        assert!(after.contains(d), "{d} is gone after the edit of mesh00");
    }

    // Mended: mesh00's findings leave mesh01, the other pair's stay.
    c.change_all(&m0, 3, &t0).await;
    let mended = c
        .diagnostics_until(&uri(&m1), |d| !mentions(d, "mesh00"))
        .await;
    assert_eq!(mended, before);
    c.shutdown().await;
}

fn position_of(path: &Path, needle: &str, nth: usize) -> Value {
    let text = std::fs::read_to_string(path).unwrap();
    let at = text.match_indices(needle).nth(nth).unwrap().0;
    let line = text[..at].matches('\n').count();
    let col = at - text[..at].rfind('\n').map_or(0, |i| i + 1);
    json!({"line": line, "character": col + 1})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hover_and_definition_cross_the_pair_and_show_no_key() {
    let pair = Pair::new("corpus/pairs/clean-main-psk-ipfw");
    let (west, east) = (pair.racoon("west"), pair.racoon("east"));
    let mut c = Client::start().await;
    c.initialize(&pair.root, utf8_client()).await;
    c.open(&west).await;
    c.diagnostics_until(&uri(&west), |_| true).await;

    // On west's `remote 203.0.113.1`: east owns it.
    let at = position_of(&west, "203.0.113.1 {", 0);
    let h = c
        .request(
            "textDocument/hover",
            json!({"textDocument": {"uri": uri(&west)}, "position": at}),
        )
        .await;
    let text = h["result"]["contents"]["value"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(text.contains("gateway east"), "{text}");
    assert!(text.contains("ESTABLISHED"), "{text}");
    assert!(text.contains("dh_group modp2048"), "{text}");
    insta::assert_snapshot!(
        "lsp_hover_remote",
        text.replace(&pair.root.display().to_string(), "<site>")
    );

    let d = c
        .request(
            "textDocument/definition",
            json!({"textDocument": {"uri": uri(&west)}, "position": at}),
        )
        .await;
    assert_eq!(d["result"]["uri"], uri(&east), "{d}");
    let east_text = std::fs::read_to_string(&east).unwrap();
    let line = d["result"]["range"]["start"]["line"].as_u64().unwrap() as usize;
    assert!(
        east_text
            .lines()
            .nth(line)
            .unwrap()
            .starts_with("remote 198.51.100.1"),
        "{d}"
    );

    // psk.txt identifier → east's psk.txt line for west.
    let psk = pair.psk("west");
    c.open(&psk).await;
    let at = position_of(&psk, "203.0.113.1", 0);
    let d = c
        .request(
            "textDocument/definition",
            json!({"textDocument": {"uri": uri(&psk)}, "position": at}),
        )
        .await;
    assert_eq!(d["result"]["uri"], uri(&pair.psk("east")), "{d}");
    let h = c
        .request(
            "textDocument/hover",
            json!({"textDocument": {"uri": uri(&psk)}, "position": at}),
        )
        .await;
    assert!(h["result"]["contents"]["value"]
        .as_str()
        .unwrap()
        .contains("gateway east"));

    // SPD tunnel endpoint in ipsec.conf.
    let spd = pair.root.join("west/etc/ipsec.conf");
    let at = position_of(&spd, "203.0.113.1", 0);
    let d = c
        .request(
            "textDocument/definition",
            json!({"textDocument": {"uri": uri(&spd)}, "position": at}),
        )
        .await;
    assert_eq!(
        d["result"]["uri"],
        uri(&pair.root.join("east/etc/ipsec.conf")),
        "{d}"
    );

    // sainfo → east's mirrored sainfo.
    let at = position_of(&west, "sainfo", 0);
    let d = c
        .request(
            "textDocument/definition",
            json!({"textDocument": {"uri": uri(&west)}, "position": at}),
        )
        .await;
    assert_eq!(d["result"]["uri"], uri(&east), "{d}");

    // `path pre_shared_key "..."` leads to the file.
    let at = position_of(&west, "/usr/local/etc/racoon/psk.txt", 0);
    let d = c
        .request(
            "textDocument/definition",
            json!({"textDocument": {"uri": uri(&west)}, "position": at}),
        )
        .await;
    assert_eq!(d["result"]["uri"], uri(&psk), "{d}");
    let links = c
        .request(
            "textDocument/documentLink",
            json!({"textDocument": {"uri": uri(&pair.root.join("west/etc/rc.conf"))}}),
        )
        .await;
    assert!(
        links["result"].as_array().is_some_and(|l| !l.is_empty()) || links["result"].is_null(),
        "{links}"
    );

    // A keyword: its meaning and default.
    let at = position_of(&west, "exchange_mode", 0);
    let h = c
        .request(
            "textDocument/hover",
            json!({"textDocument": {"uri": uri(&west)}, "position": at}),
        )
        .await;
    assert!(
        h["result"]["contents"]["value"]
            .as_str()
            .unwrap()
            .contains("Default:"),
        "{h}"
    );

    // Symbols and completion.
    let s = c
        .request(
            "textDocument/documentSymbol",
            json!({"textDocument": {"uri": uri(&west)}}),
        )
        .await;
    let names: Vec<&str> = s["result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"remote 203.0.113.1"), "{names:?}");
    let psk_symbols = c
        .request(
            "textDocument/documentSymbol",
            json!({"textDocument": {"uri": uri(&spd)}}),
        )
        .await;
    assert!(psk_symbols["result"]
        .as_array()
        .is_some_and(|l| !l.is_empty()));
    let at = position_of(&west, "modp2048", 0);
    let comp = c
        .request(
            "textDocument/completion",
            json!({"textDocument": {"uri": uri(&west)}, "position": at}),
        )
        .await;
    let labels: Vec<&str> = comp["result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["label"].as_str().unwrap())
        .collect();
    assert!(labels.contains(&"modp2048"), "{labels:?}");

    pair.assert_no_key_in(&c);
    c.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quick_fixes_ignore_comments_and_fix_all() {
    let pair = Pair::new("corpus/pairs/clean-main-psk-ipfw");
    let west = pair.racoon("west");
    let original = std::fs::read_to_string(&west).unwrap();
    let broken = original.replacen("exchange_mode main;", "exchange_mode main", 1);
    let mut c = Client::start().await;
    // A UTF-16 client with markdown hovers.
    c.initialize(
        &pair.root,
        json!({"textDocument": {"hover": {"contentFormat": ["markdown"]}}}),
    )
    .await;
    c.open(&west).await;
    c.diagnostics_until(&uri(&west), |_| true).await;
    c.change_all(&west, 2, &broken).await;
    let d = c.diagnostics_until(&uri(&west), |d| !d.is_empty()).await;
    assert_eq!(codes(&d), ["IPS1003"]);
    assert!(d[0]["codeDescription"]["href"]
        .as_str()
        .unwrap()
        .ends_with("docs/rules/IPS1003.md"));
    let r = c
        .request(
            "textDocument/codeAction",
            json!({"textDocument": {"uri": uri(&west)}, "range": d[0]["range"], "context": {"diagnostics": d}}),
        )
        .await;
    let titles: Vec<&str> = r["result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["title"].as_str().unwrap())
        .collect();
    assert!(titles.contains(&"Add the missing `;`"), "{titles:?}");
    assert!(titles.contains(&"Ignore IPS1003 here"), "{titles:?}");
    insta::assert_json_snapshot!("lsp_code_actions", pair.redact(&r["result"]));
    let h = c
        .request(
            "textDocument/hover",
            json!({"textDocument": {"uri": uri(&west)}, "position": d[0]["range"]["start"]}),
        )
        .await;
    assert_eq!(h["result"]["contents"]["kind"], "markdown");
    assert!(h["result"]["contents"]["value"]
        .as_str()
        .unwrap()
        .contains("IPS1003"));
    // The fix-all source action alone.
    let r = c
        .request(
            "textDocument/codeAction",
            json!({"textDocument": {"uri": uri(&west)}, "range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}},
                   "context": {"diagnostics": [], "only": ["source.fixAll"]}}),
        )
        .await;
    assert_eq!(r["result"].as_array().unwrap().len(), 1, "{r}");
    c.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_messages_never_stop_the_server() {
    let pair = Pair::new("corpus/pairs/clean-main-psk-ipfw");
    let west = pair.racoon("west");
    let mut c = Client::start().await;
    c.initialize(&pair.root, utf8_client()).await;
    // Malformed JSON, then an unknown method: errors, and the server goes on.
    c.send_raw(b"{this is not json").await;
    let r = c.request("ipseclint/noSuchMethod", json!({})).await;
    assert!(r.get("error").is_some(), "{r}");
    c.open(&west).await;
    c.diagnostics_until(&uri(&west), |_| true).await;
    // Positions far out of range.
    for (line, ch) in [
        (99_999, 0),
        (0, 99_999),
        (4_000_000_000u64, 4_000_000_000u64),
    ] {
        let at = json!({"line": line, "character": ch});
        for m in [
            "textDocument/hover",
            "textDocument/definition",
            "textDocument/completion",
        ] {
            let r = c
                .request(
                    m,
                    json!({"textDocument": {"uri": uri(&west)}, "position": at}),
                )
                .await;
            assert!(r.get("result").is_some(), "{m}: {r}");
        }
        let r = c
            .request(
                "textDocument/codeAction",
                json!({"textDocument": {"uri": uri(&west)}, "range": {"start": at, "end": at}, "context": {"diagnostics": []}}),
            )
            .await;
        assert!(r.get("result").is_some(), "{r}");
    }
    // An edit with a range past the end, and an edit to a file never opened.
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri(&west), "version": 5},
               "contentChanges": [{"range": {"start": {"line": 500, "character": 9}, "end": {"line": 900, "character": 0}}, "text": "#"}]}),
    )
    .await;
    c.change_all(Path::new("/nonexistent/outside/racoon.conf"), 1, "remote {")
        .await;
    // A file outside the workspace, opened.
    let outside = tempfile::tempdir().unwrap();
    let lone = outside.path().canonicalize().unwrap().join("racoon.conf");
    std::fs::write(&lone, "remote 192.0.2.1 {\n\texchange_mode main\n}\n").unwrap();
    c.open(&lone).await;
    let d = c.diagnostics_until(&uri(&lone), |d| !d.is_empty()).await;
    assert!(codes(&d).contains(&"IPS1003".to_string()), "{d:?}");
    // The workspace folder disappears under the server.
    std::fs::remove_dir_all(&pair.root).unwrap();
    c.change_all(&west, 6, "log notify;\n").await;
    c.notify(
        "textDocument/didSave",
        json!({"textDocument": {"uri": uri(&west)}}),
    )
    .await;
    c.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": uri(&west), "type": 3}]}),
    )
    .await;
    let r = c
        .request(
            "textDocument/hover",
            json!({"textDocument": {"uri": uri(&west)}, "position": {"line": 0, "character": 1}}),
        )
        .await;
    assert!(r.get("result").is_some(), "{r}");
    // Settings that do not fit are refused with a message, not a crash.
    c.notify(
        "workspace/didChangeConfiguration",
        json!({"settings": {"ipseclint": {"target": "freebsd-99"}}}),
    )
    .await;
    c.shutdown().await;
}

/// A small deterministic generator (xorshift), so a failure can be replayed.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_random_edits_keep_the_server_answering() {
    let pair = Pair::new("corpus/pairs/clean-main-psk-ipfw");
    let files = [pair.racoon("west"), pair.psk("west")];
    let mut texts: Vec<String> = files
        .iter()
        .map(|f| std::fs::read_to_string(f).unwrap())
        .collect();
    let mut c = Client::start().await;
    c.initialize(&pair.root, json!({})).await; // UTF-16
    for f in &files {
        c.open(f).await;
    }
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let garbage = [
        "{",
        "}",
        ";",
        "\"",
        "#",
        "\n",
        "\r",
        "\t",
        "é",
        "😀",
        "\0",
        "remote ",
        "sainfo ",
        "192.0.2.1 ",
    ];
    for i in 0..10_000u64 {
        let which = rng.below(2) as usize;
        let text = &mut texts[which];
        let chars: Vec<char> = text.chars().collect();
        let pos = rng.below(chars.len() as u64 + 1) as usize;
        let del = if rng.below(3) == 0 {
            rng.below(5) as usize
        } else {
            0
        };
        let ins = if rng.below(2) == 0 {
            garbage[rng.below(garbage.len() as u64) as usize]
        } else {
            ""
        };
        // The edit as a UTF-16 range over the current text.
        let (start, end) = (
            utf16_pos(&chars, pos),
            utf16_pos(&chars, (pos + del).min(chars.len())),
        );
        let new: String = chars[..pos]
            .iter()
            .chain(ins.chars().collect::<Vec<_>>().iter())
            .chain(chars[(pos + del).min(chars.len())..].iter())
            .collect();
        *text = new;
        c.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri(&files[which]), "version": i + 2},
                   "contentChanges": [{"range": {"start": start, "end": end}, "text": ins}]}),
        )
        .await;
        if i % 500 == 0 {
            let at = json!({"line": rng.below(40), "character": rng.below(30)});
            for m in [
                "textDocument/hover",
                "textDocument/completion",
                "textDocument/definition",
            ] {
                let r = c
                    .request(
                        m,
                        json!({"textDocument": {"uri": uri(&files[which])}, "position": at}),
                    )
                    .await;
                assert!(r.get("result").is_some(), "{m}: {r}");
            }
            let r = c
                .request(
                    "textDocument/documentSymbol",
                    json!({"textDocument": {"uri": uri(&files[which])}}),
                )
                .await;
            assert!(r.get("result").is_some(), "{r}");
        }
    }
    // The server's buffer is the text we hold: a symbol request on the
    // final text answers, and the final diagnostics come.
    c.diagnostics_until(&uri(&files[0]), |_| true).await;
    pair.assert_no_key_in(&c);
    c.shutdown().await;
}

fn utf16_pos(chars: &[char], pos: usize) -> Value {
    let before = &chars[..pos];
    let line = before.iter().filter(|c| **c == '\n').count();
    let start = before.iter().rposition(|c| *c == '\n').map_or(0, |i| i + 1);
    let col: usize = before[start..].iter().map(|c| c.len_utf16()).sum();
    json!({"line": line, "character": col})
}
