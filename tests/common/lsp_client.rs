//! A minimal LSP client over an in-memory duplex, shared by the in-process
//! tests (tests/lsp.rs) and the language server's bench (benches/lsp.rs).

#![allow(dead_code)]

use serde_json::{json, Value};
use std::path::Path;
use std::time::Duration;
use tokio::io::{
    AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader, DuplexStream, ReadHalf, WriteHalf,
};

/// A minimal LSP client: framed JSON-RPC over the duplex. Every message the
/// server sends is kept, so a test can search all of them for keys.
pub struct Client {
    tx: WriteHalf<DuplexStream>,
    rx: BufReader<ReadHalf<DuplexStream>>,
    pub next: i64,
    /// Notifications not yet looked at.
    pub queue: Vec<Value>,
    /// Every message the server sent, as text.
    pub seen: Vec<String>,
}

const WAIT: Duration = Duration::from_secs(60);

impl Client {
    pub async fn start() -> Client {
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

    pub async fn send_raw(&mut self, body: &[u8]) {
        let head = format!("Content-Length: {}\r\n\r\n", body.len());
        self.tx.write_all(head.as_bytes()).await.unwrap();
        self.tx.write_all(body).await.unwrap();
        self.tx.flush().await.unwrap();
    }

    pub async fn send(&mut self, v: Value) {
        self.send_raw(v.to_string().as_bytes()).await;
    }

    pub async fn read(&mut self) -> Value {
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
    pub async fn pump(&mut self) -> Option<Value> {
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

    pub async fn request(&mut self, method: &str, params: Value) -> Value {
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

    pub async fn notify(&mut self, method: &str, params: Value) {
        self.send(json!({"jsonrpc": "2.0", "method": method, "params": params}))
            .await;
    }

    /// Read whatever comes within `ms`; the last diagnostics of `uri`, if any.
    pub async fn drain(&mut self, uri: &str, ms: u64) -> Option<Vec<Value>> {
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
    pub async fn diagnostics_until(
        &mut self,
        uri: &str,
        ok: impl Fn(&[Value]) -> bool,
    ) -> Vec<Value> {
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

    pub async fn initialize(&mut self, root: &Path, capabilities: Value) -> Value {
        self.initialize_with(root, capabilities, json!({"debounceMs": 20}))
            .await
    }

    /// Initialize with these `initializationOptions`.
    pub async fn initialize_with(
        &mut self,
        root: &Path,
        capabilities: Value,
        options: Value,
    ) -> Value {
        let r = self
            .request(
                "initialize",
                json!({
                    "processId": null,
                    "rootUri": uri(root),
                    "workspaceFolders": [{"uri": uri(root), "name": "site"}],
                    "capabilities": capabilities,
                    "initializationOptions": options,
                }),
            )
            .await;
        self.notify("initialized", json!({})).await;
        r
    }

    pub async fn open(&mut self, path: &Path) {
        let text = std::fs::read_to_string(path).unwrap();
        self.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": uri(path), "languageId": "racoon", "version": 1, "text": text}}),
        )
        .await;
    }

    pub async fn change_all(&mut self, path: &Path, version: i64, text: &str) {
        self.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri(path), "version": version}, "contentChanges": [{"text": text}]}),
        )
        .await;
    }

    pub async fn shutdown(mut self) {
        let r = self.request("shutdown", Value::Null).await;
        assert_eq!(r["result"], Value::Null, "{r}");
        self.notify("exit", Value::Null).await;
    }
}

pub fn uri(p: &Path) -> String {
    format!("file://{}", p.display())
}
