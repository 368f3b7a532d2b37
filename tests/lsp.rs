//! The language server in process, over an in-memory duplex: cross-peer
//! diagnostics appearing and clearing as west is edited, rapid edits,
//! hover and definition across the pair, code actions, no key in any
//! message, hostile input and random edits.

mod common;
use common::*;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::time::Duration;
use tokio::io::{
    AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader, DuplexStream, ReadHalf, WriteHalf,
};

/// A minimal LSP client: framed JSON-RPC over the duplex. Every message the
/// server sends is kept, so a test can search all of them for keys.
struct Client {
    tx: WriteHalf<DuplexStream>,
    rx: BufReader<ReadHalf<DuplexStream>>,
    next: i64,
    /// Notifications not yet looked at.
    queue: Vec<Value>,
    /// Every message the server sent, as text.
    seen: Vec<String>,
}

const WAIT: Duration = Duration::from_secs(60);

impl Client {
    async fn start() -> Client {
        let (ours, theirs) = tokio::io::duplex(1 << 22);
        let (sr, sw) = tokio::io::split(theirs);
        tokio::spawn(ipseclint::lsp::serve(sr, sw));
        let (rx, tx) = tokio::io::split(ours);
        Client {
            tx,
            rx: BufReader::new(rx),
            next: 1,
            queue: Vec::new(),
            seen: Vec::new(),
        }
    }

    async fn send_raw(&mut self, body: &[u8]) {
        let head = format!("Content-Length: {}\r\n\r\n", body.len());
        self.tx.write_all(head.as_bytes()).await.unwrap();
        self.tx.write_all(body).await.unwrap();
        self.tx.flush().await.unwrap();
    }

    async fn send(&mut self, v: Value) {
        self.send_raw(v.to_string().as_bytes()).await;
    }

    async fn read(&mut self) -> Value {
        let mut len = 0usize;
        loop {
            let mut line = String::new();
            let n = self.rx.read_line(&mut line).await.unwrap();
            assert!(n > 0, "the server closed the stream");
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            if let Some(v) = line.strip_prefix("Content-Length: ") {
                len = v.parse().unwrap();
            }
        }
        let mut body = vec![0; len];
        self.rx.read_exact(&mut body).await.unwrap();
        let text = String::from_utf8(body).unwrap();
        self.seen.push(text.clone());
        serde_json::from_str(&text).unwrap()
    }

    /// Read one message; answer the server's own requests (progress,
    /// registration) and queue notifications. Returns responses.
    async fn pump(&mut self) -> Option<Value> {
        let m = tokio::time::timeout(WAIT, self.read())
            .await
            .expect("the server answers in time");
        if m.get("method").is_some() && m.get("id").is_some() {
            let id = m["id"].clone();
            self.send(json!({"jsonrpc": "2.0", "id": id, "result": null}))
                .await;
            return None;
        }
        if m.get("method").is_some() {
            self.queue.push(m);
            return None;
        }
        Some(m)
    }

    async fn request(&mut self, method: &str, params: Value) -> Value {
        let id = self.next;
        self.next += 1;
        self.send(json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}))
            .await;
        loop {
            if let Some(r) = self.pump().await {
                if r["id"] == json!(id) {
                    return r;
                }
            }
        }
    }

    async fn notify(&mut self, method: &str, params: Value) {
        self.send(json!({"jsonrpc": "2.0", "method": method, "params": params}))
            .await;
    }

    /// Read whatever comes within `ms`; the last diagnostics of `uri`, if any.
    async fn drain(&mut self, uri: &str, ms: u64) -> Option<Vec<Value>> {
        while let Ok(m) = tokio::time::timeout(Duration::from_millis(ms), self.read()).await {
            if m.get("method").is_some() && m.get("id").is_some() {
                let id = m["id"].clone();
                self.send(json!({"jsonrpc": "2.0", "id": id, "result": null}))
                    .await;
            } else if m.get("method").is_some() {
                self.queue.push(m);
            }
        }
        self.queue
            .iter()
            .rev()
            .find(|n| n["method"] == "textDocument/publishDiagnostics" && n["params"]["uri"] == uri)
            .map(|n| n["params"]["diagnostics"].as_array().unwrap().clone())
    }

    /// Wait for diagnostics of `uri` that satisfy `ok`; returns them.
    async fn diagnostics_until(&mut self, uri: &str, ok: impl Fn(&[Value]) -> bool) -> Vec<Value> {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            let mut found = None;
            self.queue.retain(|n| {
                if n["method"] == "textDocument/publishDiagnostics" && n["params"]["uri"] == uri {
                    found = Some(n["params"]["diagnostics"].as_array().unwrap().clone());
                    false
                } else {
                    true
                }
            });
            if let Some(d) = found {
                if ok(&d) {
                    return d;
                }
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "no matching diagnostics for {uri}"
            );
            self.pump().await;
        }
    }

    async fn initialize(&mut self, root: &Path, capabilities: Value) -> Value {
        let r = self
            .request(
                "initialize",
                json!({
                    "processId": null,
                    "rootUri": uri(root),
                    "workspaceFolders": [{"uri": uri(root), "name": "site"}],
                    "capabilities": capabilities,
                    "initializationOptions": {"debounceMs": 20},
                }),
            )
            .await;
        self.notify("initialized", json!({})).await;
        r
    }

    async fn open(&mut self, path: &Path) {
        let text = std::fs::read_to_string(path).unwrap();
        self.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": uri(path), "languageId": "racoon", "version": 1, "text": text}}),
        )
        .await;
    }

    async fn change_all(&mut self, path: &Path, version: i64, text: &str) {
        self.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri(path), "version": version}, "contentChanges": [{"text": text}]}),
        )
        .await;
    }

    async fn shutdown(mut self) {
        let r = self.request("shutdown", Value::Null).await;
        assert_eq!(r["result"], Value::Null, "{r}");
        self.notify("exit", Value::Null).await;
    }
}

fn uri(p: &Path) -> String {
    format!("file://{}", p.display())
}

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

    c.change_all(&west, 3, &original).await;
    c.diagnostics_until(&uri(&east), |d| d.is_empty()).await;
    c.diagnostics_until(&uri(&west), |d| d.is_empty()).await;
    let all = c.seen.join("\n");
    for k in pair.keys() {
        assert!(!all.contains(&k), "a key left the server");
    }
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

    let all = c.seen.join("\n");
    for k in pair.keys() {
        assert!(!all.contains(&k), "a key left the server");
    }
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
    let all = c.seen.join("\n");
    for k in pair.keys() {
        assert!(!all.contains(&k), "a key left the server");
    }
    c.shutdown().await;
}

fn utf16_pos(chars: &[char], pos: usize) -> Value {
    let before = &chars[..pos];
    let line = before.iter().filter(|c| **c == '\n').count();
    let start = before.iter().rposition(|c| *c == '\n').map_or(0, |i| i + 1);
    let col: usize = before[start..].iter().map(|c| c.len_utf16()).sum();
    json!({"line": line, "character": col})
}
