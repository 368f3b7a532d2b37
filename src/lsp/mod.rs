//! The language server (`ipseclint lsp`): a thin shell over [`lint`]. Editor
//! buffers are laid over the disk ([`OverlayFs`]); nothing is written except
//! through edits the client applies.
//!
//! Ordering: `didChange` is applied to the buffer map before the handler's
//! first `.await`, so edits apply in the order they arrive. A lint runs on a
//! blocking thread after a debounce, tagged with its site's generation;
//! results of a run overtaken by a newer edit are dropped.

mod actions;
mod complete;
mod framing;
mod hover;
mod navigate;
mod position;
mod publish;
mod scope;

use crate::config::Config;
use crate::engine::{lint, Input, LintOptions, Report};
use crate::model::Target;
use crate::source::{DiskFs, FileKind, OverlayFs};
use position::Encoding;
use publish::FileView;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tower_lsp_server::jsonrpc::Result as RpcResult;
use tower_lsp_server::ls_types as ls;
use tower_lsp_server::{Client, LanguageServer, LspService, Server};

pub use position::Encoding as PositionEncoding;

/// Settings from `initializationOptions` and `workspace/didChangeConfiguration`.
#[derive(Clone, Debug, serde::Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Settings {
    /// The gateways' FreeBSD release (as `--target`).
    pub target: Option<Target>,
    /// The settings file (as `--config`); default: ipseclint.toml found
    /// from the site's directory up.
    pub config_file: Option<PathBuf>,
    /// Read real owners and modes (as `--live`).
    pub live: bool,
    /// Wait this long after an edit before checking.
    pub debounce_ms: u64,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            target: None,
            config_file: None,
            live: false,
            debounce_ms: 150,
        }
    }
}

impl Settings {
    /// Read from an `initializationOptions` or `settings` value: the object
    /// itself or its `ipseclint` member. A malformed value keeps the defaults.
    fn from_value(v: &serde_json::Value) -> Result<Settings, String> {
        let v = v.get("ipseclint").unwrap_or(v);
        if v.is_null() {
            return Ok(Settings::default());
        }
        serde_json::from_value(v.clone()).map_err(|e| e.to_string())
    }
}

/// A lint's result kept for hover and navigation.
struct Stored {
    key: PathBuf,
    report: Arc<Report>,
    /// The gateways whose pairs the run checked; empty: all (a whole run).
    primary: std::collections::BTreeSet<PathBuf>,
}

impl Stored {
    /// The run checked every pair of the gateway `path` lies in.
    fn covers(&self, path: &Path) -> bool {
        self.primary.is_empty() || self.primary.iter().any(|r| path.starts_with(r))
    }
}

#[derive(Default)]
struct State {
    enc: Encoding,
    roots: Vec<PathBuf>,
    settings: Settings,
    buffers: HashMap<PathBuf, String>,
    published: HashMap<PathBuf, FileView>,
    index: scope::SiteIndex,
    generations: HashMap<PathBuf, u64>,
    reports: Vec<Stored>,
    markdown: bool,
    progress: bool,
    dynamic_watch: bool,
}

impl State {
    /// The workspace folder a path lies in, if any.
    fn root_of(&self, path: &Path) -> Option<PathBuf> {
        self.roots
            .iter()
            .filter(|r| path.starts_with(r))
            .max_by_key(|r| r.components().count())
            .cloned()
    }

    fn config_for(&self, dir: &Path) -> Result<Config, String> {
        let result = match &self.settings.config_file {
            Some(f) => Config::load(f),
            None => Config::discover(dir),
        };
        result.map_err(|e| e.render())
    }

    /// The latest report that read this path and checked its gateway's
    /// pairs, else the latest that read it.
    fn report_for(&self, path: &Path) -> Option<Arc<Report>> {
        let read = |s: &&Stored| navigate::file_id(&s.report, path).is_some();
        let mut latest = self.reports.iter().rev().filter(read);
        let fallback = latest.clone().next();
        latest
            .find(|s| s.covers(path))
            .or(fallback)
            .map(|s| s.report.clone())
    }

    fn text_of(&self, path: &Path) -> Option<String> {
        match self.buffers.get(path) {
            Some(t) => Some(t.clone()),
            None => crate::source::read_regular_utf8(path).ok(),
        }
    }
}

struct Inner {
    client: Client,
    state: Mutex<State>,
}

/// The server: the client handle and the shared state.
pub struct Backend {
    inner: Arc<Inner>,
}

impl Inner {
    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // A panic while the lock was held leaves the state usable.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Run the server on standard input and output until `exit`.
pub fn serve_stdio() {
    quiet_panics();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a tokio runtime starts");
    rt.block_on(serve(tokio::io::stdin(), tokio::io::stdout()));
    // After `exit`: do not wait for the thread blocked reading stdin, or for
    // a lint still running.
    rt.shutdown_background();
}

/// Serve on any byte streams (the tests use an in-memory duplex).
pub async fn serve<I, O>(input: I, output: O)
where
    I: tokio::io::AsyncRead + Unpin + Send + 'static,
    O: tokio::io::AsyncWrite,
{
    let (service, socket) = service();
    let (checked_out, checked_in) = tokio::io::duplex(1 << 20);
    tokio::spawn(framing::sanitize(input, checked_out));
    Server::new(checked_in, output, socket).serve(service).await;
}

/// The service, for a transport of the caller's choice.
pub fn service() -> (LspService<Backend>, tower_lsp_server::ClientSocket) {
    LspService::new(|client| Backend {
        inner: Arc::new(Inner {
            client,
            state: Mutex::new(State::default()),
        }),
    })
}

/// A panic's message could quote file text: print only where it happened.
fn quiet_panics() {
    std::panic::set_hook(Box::new(|info| {
        let at = info
            .location()
            .map(|l| format!("{}:{}", l.file(), l.line()))
            .unwrap_or_default();
        eprintln!("ipseclint lsp: internal error at {at}");
    }));
}

fn path_of(uri: &ls::Uri) -> Option<PathBuf> {
    position::uri_to_path(uri)
}

/// Apply one content change to a buffer.
fn apply_change(text: &mut String, change: ls::TextDocumentContentChangeEvent, enc: Encoding) {
    match change.range {
        None => *text = change.text,
        Some(r) => {
            let span = position::span(text, r, enc);
            text.replace_range(span.start()..span.end(), &change.text);
        }
    }
}

/// Lint these inputs over the buffers, catching a panic.
fn run_lint(
    inputs: &[PathBuf],
    buffers: HashMap<PathBuf, String>,
    opts: &LintOptions,
) -> Result<Report, ()> {
    let fs = OverlayFs {
        base: DiskFs,
        buffers,
    };
    let inputs: Vec<Input> = inputs.iter().map(|p| Input { path: p.clone() }).collect();
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| lint(&inputs, &fs, opts)))
        .map_err(|_| ())
}

impl Inner {
    /// Schedule a lint for the site of `path` (the whole site when `whole`).
    fn schedule(self: &Arc<Self>, path: PathBuf, whole: bool) {
        let (scope, generation, debounce, config_error) = {
            let mut st = self.lock();
            let stop = st.root_of(&path);
            let dir = path.parent().unwrap_or(Path::new("/")).to_path_buf();
            let (config, config_error) = match st.config_for(&dir) {
                Ok(c) => (c, None),
                Err(e) => (Config::default(), Some(e)),
            };
            let outside = stop.is_none() && !st.roots.is_empty();
            let scope = scope::for_file(
                &DiskFs,
                &config,
                &st.index,
                &path,
                stop.as_deref(),
                whole,
                outside,
            );
            let g = st.generations.entry(scope.key.clone()).or_default();
            *g += 1;
            (
                scope,
                *g,
                Duration::from_millis(st.settings.debounce_ms),
                config_error,
            )
        };
        if let Some(e) = config_error {
            let client = self.client.clone();
            tokio::spawn(async move {
                client
                    .show_message(ls::MessageType::ERROR, format!("ipseclint: {e}"))
                    .await;
            });
        }
        let me = self.clone();
        tokio::spawn(async move {
            tokio::time::sleep(debounce).await;
            if me.is_current(&scope.key, generation) {
                me.check(scope, generation, path).await;
            }
        });
    }

    fn is_current(&self, key: &Path, generation: u64) -> bool {
        self.lock().generations.get(key) == Some(&generation)
    }

    fn options(&self, st: &State, scope: &scope::Scope) -> LintOptions {
        LintOptions {
            target: st.settings.target,
            live: st.settings.live,
            config: st.config_for(&scope.key).unwrap_or_default(),
            // A partial run: the pairs among the peers did not change.
            focus: scope.primary.iter().cloned().collect(),
            transcript: false,
        }
    }

    /// Lint a scope and publish, unless a newer edit overtook it.
    async fn check(self: &Arc<Self>, mut scope: scope::Scope, generation: u64, edited: PathBuf) {
        let mut report = match self.lint_in_background(&scope).await {
            Ok(r) => r,
            Err(()) => return self.publish_crash(&edited).await,
        };
        // An edit that names a new peer: lint again with it.
        let missing = scope::missing_peers(&self.lock().index, &scope, &report);
        if !missing.is_empty() {
            scope.inputs.extend(missing);
            report = match self.lint_in_background(&scope).await {
                Ok(r) => r,
                Err(()) => return self.publish_crash(&edited).await,
            };
        }
        let to_send = {
            let mut st = self.lock();
            if st.generations.get(&scope.key) != Some(&generation) {
                return;
            }
            st.index.learn(&scope.key, &report, scope.whole);
            let views = publish::views(&report, st.enc);
            let mut changed = publish::merge(&mut st.published, views, &scope, &report);
            // The edited file always hears back, even when nothing changed.
            if !changed.contains(&edited) && st.published.contains_key(&edited) {
                changed.push(edited.clone());
            }
            let report = Arc::new(report);
            // Keep the site's last whole run beside its last partial one.
            st.reports
                .retain(|s| s.key != scope.key || (!scope.whole && s.primary.is_empty()));
            st.reports.push(Stored {
                key: scope.key.clone(),
                report,
                primary: scope.primary.clone(),
            });
            changed
                .into_iter()
                .filter_map(|p| {
                    let uri = position::path_to_uri(&p)?;
                    let diags = st
                        .published
                        .get(&p)
                        .map(|v| v.entries.iter().map(|e| e.diag.clone()).collect())
                        .unwrap_or_default();
                    Some((uri, diags))
                })
                .collect::<Vec<_>>()
        };
        for (uri, diags) in to_send {
            self.client.publish_diagnostics(uri, diags, None).await;
        }
    }

    /// Run `lint()` on a blocking thread; report progress when it takes
    /// longer than 200 ms (a large hub).
    async fn lint_in_background(self: &Arc<Self>, scope: &scope::Scope) -> Result<Report, ()> {
        let (buffers, opts, progress) = {
            let st = self.lock();
            (st.buffers.clone(), self.options(&st, scope), st.progress)
        };
        let inputs = scope.inputs.clone();
        let mut job = tokio::task::spawn_blocking(move || run_lint(&inputs, buffers, &opts));
        let quick = tokio::time::timeout(Duration::from_millis(200), &mut job).await;
        let joined = match quick {
            Ok(j) => j,
            Err(_) if progress => {
                let token = ls::ProgressToken::String(format!("ipseclint-{}", scope.key.display()));
                let created = self
                    .client
                    .create_work_done_progress(token.clone())
                    .await
                    .is_ok();
                if created {
                    let p = self
                        .client
                        .progress(token, "ipseclint")
                        .with_message(format!("checking {} gateways", scope.inputs.len()))
                        .begin()
                        .await;
                    let j = job.await;
                    p.finish().await;
                    j
                } else {
                    job.await
                }
            }
            Err(_) => job.await,
        };
        joined.map_err(|_| ()).and_then(|r| r)
    }

    /// Every site of the workspace checked as a whole: the sites linted so
    /// far, else the workspace folders. `{"text": table, "sites": [{"site",
    /// "pairs": [...]}]}`.
    async fn pairs(self: &Arc<Self>) -> serde_json::Value {
        let (mut keys, roots) = {
            let st = self.lock();
            let keys: Vec<PathBuf> = st.reports.iter().map(|s| s.key.clone()).collect();
            (keys, st.roots.clone())
        };
        if keys.is_empty() {
            keys = roots;
        }
        keys.sort();
        keys.dedup();
        let mut text = String::new();
        let mut sites = Vec::new();
        for key in keys {
            let scope = scope::Scope {
                inputs: vec![key.clone()],
                primary: Default::default(),
                key: key.clone(),
                whole: true,
            };
            let Ok(report) = self.lint_in_background(&scope).await else {
                continue;
            };
            if report.pairs.is_empty() {
                continue;
            }
            text.push_str(&format!("{}\n", key.display()));
            text.push_str(&crate::render::human::pair_table(&report));
            sites.push(serde_json::json!({"site": key, "pairs": report.pairs}));
        }
        if sites.is_empty() {
            text.push_str("No pairs: no two gateways of the workspace refer to each other.\n");
        }
        serde_json::json!({"text": text, "sites": sites})
    }

    /// A lint that panicked: one diagnostic on the edited file.
    async fn publish_crash(&self, path: &Path) {
        let Some(uri) = position::path_to_uri(path) else {
            return;
        };
        let d = ls::Diagnostic {
            range: ls::Range::default(),
            severity: Some(ls::DiagnosticSeverity::ERROR),
            source: Some("ipseclint".to_string()),
            message: "ipseclint stopped with an internal error while checking this file, so its findings are not shown. Please report it.".to_string(),
            ..Default::default()
        };
        self.client.publish_diagnostics(uri, vec![d], None).await;
    }
}

/// The workspace roots the client named: its folders, else `rootUri`.
#[allow(deprecated)]
fn roots(params: &ls::InitializeParams) -> Vec<PathBuf> {
    let folders: Vec<PathBuf> = params
        .workspace_folders
        .iter()
        .flatten()
        .filter_map(|f| path_of(&f.uri))
        .collect();
    if !folders.is_empty() {
        return folders;
    }
    params.root_uri.iter().filter_map(path_of).collect()
}

fn capabilities(enc: Encoding) -> ls::ServerCapabilities {
    ls::ServerCapabilities {
        position_encoding: Some(enc.kind()),
        text_document_sync: Some(ls::TextDocumentSyncCapability::Options(
            ls::TextDocumentSyncOptions {
                open_close: Some(true),
                change: Some(ls::TextDocumentSyncKind::INCREMENTAL),
                save: Some(ls::TextDocumentSyncSaveOptions::Supported(true)),
                ..Default::default()
            },
        )),
        hover_provider: Some(ls::HoverProviderCapability::Simple(true)),
        definition_provider: Some(ls::OneOf::Left(true)),
        document_symbol_provider: Some(ls::OneOf::Left(true)),
        document_link_provider: Some(ls::DocumentLinkOptions {
            resolve_provider: Some(false),
            work_done_progress_options: Default::default(),
        }),
        completion_provider: Some(ls::CompletionOptions {
            trigger_characters: Some(vec![" ".to_string()]),
            ..Default::default()
        }),
        code_action_provider: Some(ls::CodeActionProviderCapability::Options(
            ls::CodeActionOptions {
                code_action_kinds: Some(vec![
                    ls::CodeActionKind::QUICKFIX,
                    ls::CodeActionKind::from(actions::FIX_ALL),
                ]),
                ..Default::default()
            },
        )),
        workspace: Some(ls::WorkspaceServerCapabilities {
            workspace_folders: Some(ls::WorkspaceFoldersServerCapabilities {
                supported: Some(true),
                change_notifications: Some(ls::OneOf::Left(true)),
            }),
            file_operations: None,
        }),
        execute_command_provider: Some(ls::ExecuteCommandOptions {
            commands: vec![PAIRS_COMMAND.to_string()],
            ..Default::default()
        }),
        ..Default::default()
    }
}

/// `workspace/executeCommand`: the pairs table of every site of the
/// workspace, as the CLI prints it, and as data.
pub const PAIRS_COMMAND: &str = "ipseclint.pairs";

impl Backend {
    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.inner.lock()
    }

    /// The text, path, encoding and latest report for a request's document.
    fn document(&self, uri: &ls::Uri) -> Option<(PathBuf, String, Encoding, Option<Arc<Report>>)> {
        let path = path_of(uri)?;
        let st = self.lock();
        let text = st.text_of(&path)?;
        Some((path.clone(), text, st.enc, st.report_for(&path)))
    }

    fn markup(&self, text: String) -> ls::Hover {
        let markdown = self.lock().markdown;
        let value = if markdown {
            format!("```text\n{}\n```", text.replace("```", "'''"))
        } else {
            text
        };
        ls::Hover {
            contents: ls::HoverContents::Markup(ls::MarkupContent {
                kind: if markdown {
                    ls::MarkupKind::Markdown
                } else {
                    ls::MarkupKind::PlainText
                },
                value,
            }),
            range: None,
        }
    }
}

fn file_kind(path: &Path, text: &str) -> FileKind {
    crate::engine::classify(path, Some(text)).unwrap_or(FileKind::Other)
}

impl LanguageServer for Backend {
    async fn initialize(&self, params: ls::InitializeParams) -> RpcResult<ls::InitializeResult> {
        let offered = params
            .capabilities
            .general
            .as_ref()
            .and_then(|g| g.position_encodings.as_deref());
        let enc = Encoding::negotiate(offered);
        let caps = &params.capabilities;
        let markdown = caps
            .text_document
            .as_ref()
            .and_then(|t| t.hover.as_ref())
            .and_then(|h| h.content_format.as_ref())
            .is_some_and(|f| f.first() == Some(&ls::MarkupKind::Markdown));
        let progress = caps
            .window
            .as_ref()
            .and_then(|w| w.work_done_progress)
            .unwrap_or(false);
        let dynamic_watch = caps
            .workspace
            .as_ref()
            .and_then(|w| w.did_change_watched_files.as_ref())
            .and_then(|w| w.dynamic_registration)
            .unwrap_or(false);
        let settings_error = {
            let mut st = self.lock();
            st.enc = enc;
            st.roots = roots(&params);
            st.markdown = markdown;
            st.progress = progress;
            st.dynamic_watch = dynamic_watch;
            match params
                .initialization_options
                .as_ref()
                .map(Settings::from_value)
            {
                Some(Ok(s)) => {
                    st.settings = s;
                    None
                }
                Some(Err(e)) => Some(e),
                None => None,
            }
        };
        if let Some(e) = settings_error {
            self.inner
                .client
                .show_message(
                    ls::MessageType::WARNING,
                    format!("ipseclint: bad initializationOptions ({e}); using the defaults"),
                )
                .await;
        }
        Ok(ls::InitializeResult {
            capabilities: capabilities(enc),
            server_info: Some(ls::ServerInfo {
                name: "ipseclint".to_string(),
                version: Some(env!("CARGO_PKG_VERSION").to_string()),
            }),
            offset_encoding: None,
        })
    }

    async fn initialized(&self, _: ls::InitializedParams) {
        if !self.lock().dynamic_watch {
            // Without watched files, every lint reads the disk afresh.
            return;
        }
        let watchers = ["**/*"]
            .iter()
            .map(|g| ls::FileSystemWatcher {
                glob_pattern: ls::GlobPattern::String(g.to_string()),
                kind: None,
            })
            .collect();
        let registration = ls::Registration {
            id: "ipseclint-watch".to_string(),
            method: "workspace/didChangeWatchedFiles".to_string(),
            register_options: serde_json::to_value(ls::DidChangeWatchedFilesRegistrationOptions {
                watchers,
            })
            .ok(),
        };
        let _ = self
            .inner
            .client
            .register_capability(vec![registration])
            .await;
    }

    async fn shutdown(&self) -> RpcResult<()> {
        Ok(())
    }

    async fn execute_command(
        &self,
        params: ls::ExecuteCommandParams,
    ) -> RpcResult<Option<serde_json::Value>> {
        if params.command != PAIRS_COMMAND {
            return Err(tower_lsp_server::jsonrpc::Error::invalid_params(format!(
                "unknown command `{}`",
                params.command
            )));
        }
        Ok(Some(self.inner.pairs().await))
    }

    async fn did_open(&self, params: ls::DidOpenTextDocumentParams) {
        let Some(path) = path_of(&params.text_document.uri) else {
            return;
        };
        self.lock()
            .buffers
            .insert(path.clone(), params.text_document.text);
        self.inner.schedule(path, true);
    }

    async fn did_change(&self, params: ls::DidChangeTextDocumentParams) {
        // Applied before any await: edits keep their order.
        let Some(path) = path_of(&params.text_document.uri) else {
            return;
        };
        {
            let mut st = self.lock();
            let enc = st.enc;
            let Some(text) = st.buffers.get_mut(&path) else {
                return;
            };
            for change in params.content_changes {
                apply_change(text, change, enc);
            }
        }
        self.inner.schedule(path, false);
    }

    async fn did_save(&self, params: ls::DidSaveTextDocumentParams) {
        if let Some(path) = path_of(&params.text_document.uri) {
            self.inner.schedule(path, true);
        }
    }

    async fn did_close(&self, params: ls::DidCloseTextDocumentParams) {
        // The disk's text counts again.
        if let Some(path) = path_of(&params.text_document.uri) {
            self.lock().buffers.remove(&path);
            self.inner.schedule(path, true);
        }
    }

    async fn did_change_watched_files(&self, params: ls::DidChangeWatchedFilesParams) {
        let mut seen = Vec::new();
        for ev in params.changes {
            let Some(path) = path_of(&ev.uri) else {
                continue;
            };
            let key = path.parent().map(Path::to_path_buf);
            if !seen.contains(&key) {
                seen.push(key);
                self.inner.schedule(path, true);
            }
        }
    }

    async fn did_change_configuration(&self, params: ls::DidChangeConfigurationParams) {
        let error = match Settings::from_value(&params.settings) {
            Ok(s) => {
                self.lock().settings = s;
                None
            }
            Err(e) => Some(e),
        };
        if let Some(e) = error {
            self.inner
                .client
                .show_message(
                    ls::MessageType::WARNING,
                    format!("ipseclint: bad settings ({e}); keeping the previous ones"),
                )
                .await;
            return;
        }
        let open: Vec<PathBuf> = self.lock().buffers.keys().cloned().collect();
        for p in open {
            self.inner.schedule(p, true);
        }
    }

    async fn did_change_workspace_folders(&self, params: ls::DidChangeWorkspaceFoldersParams) {
        let mut st = self.lock();
        for f in params.event.removed {
            if let Some(p) = path_of(&f.uri) {
                st.roots.retain(|r| *r != p);
            }
        }
        for f in params.event.added {
            if let Some(p) = path_of(&f.uri) {
                st.roots.push(p);
            }
        }
    }

    async fn hover(&self, params: ls::HoverParams) -> RpcResult<Option<ls::Hover>> {
        let tdp = params.text_document_position_params;
        let Some((path, text, enc, report)) = self.document(&tdp.text_document.uri) else {
            return Ok(None);
        };
        let offset = position::offset(&text, tdp.position, enc);
        let from_findings = {
            let st = self.lock();
            st.published
                .get(&path)
                .filter(|v| *v.text == *text)
                .and_then(|v| hover::findings(v, offset))
        };
        let found = from_findings
            .or_else(|| hover::suppression_code(&text, offset))
            .or_else(|| {
                report
                    .as_deref()
                    .and_then(|r| hover::peer(r, &path, offset))
            })
            .or_else(|| {
                (file_kind(&path, &text) == FileKind::RacoonConf)
                    .then(|| hover::keyword(&text, offset))
                    .flatten()
            });
        let scrubbed = found.map(|t| match &report {
            Some(r) => r.scrub(&t),
            None => t,
        });
        Ok(scrubbed.map(|t| self.markup(t)))
    }

    async fn goto_definition(
        &self,
        params: ls::GotoDefinitionParams,
    ) -> RpcResult<Option<ls::GotoDefinitionResponse>> {
        let tdp = params.text_document_position_params;
        let Some((path, text, enc, Some(report))) = self.document(&tdp.text_document.uri) else {
            return Ok(None);
        };
        let offset = position::offset(&text, tdp.position, enc);
        let to_location = |file: crate::source::FileId, span: crate::source::Span| {
            let f = report.db.get(file);
            Some(ls::Location::new(
                position::path_to_uri(&f.path)?,
                position::range(&f.text, span, enc),
            ))
        };
        // A file a statement names.
        if let Some((_, target)) = navigate::file_links(&report, &path)
            .into_iter()
            .find(|(s, _)| s.start() <= offset && offset <= s.end())
        {
            let loc =
                position::path_to_uri(&target).map(|u| ls::Location::new(u, ls::Range::default()));
            return Ok(loc.map(ls::GotoDefinitionResponse::Scalar));
        }
        let Some(me) = navigate::gateway_of(&report, &path) else {
            return Ok(None);
        };
        let Some(file) = navigate::file_id(&report, &path) else {
            return Ok(None);
        };
        if let Some(at) = navigate::peer_ref_at(me, file, offset) {
            let target = navigate::owner(&report, me, at.address)
                .and_then(|peer| navigate::mirror(peer, me, at.kind));
            return Ok(target
                .and_then(|p| to_location(p.file, p.span))
                .map(ls::GotoDefinitionResponse::Scalar));
        }
        if let Some((p, _)) = navigate::mirror_sainfo(&report, me, file, offset) {
            return Ok(to_location(p.file, p.span).map(ls::GotoDefinitionResponse::Scalar));
        }
        Ok(None)
    }

    async fn document_link(
        &self,
        params: ls::DocumentLinkParams,
    ) -> RpcResult<Option<Vec<ls::DocumentLink>>> {
        let Some((path, text, enc, Some(report))) = self.document(&params.text_document.uri) else {
            return Ok(None);
        };
        let Some(file) = navigate::file_id(&report, &path) else {
            return Ok(None);
        };
        // The links' places are the report's: only while the text is unchanged.
        if *report.db.get(file).text != *text {
            return Ok(None);
        }
        let links = navigate::file_links(&report, &path)
            .into_iter()
            .filter_map(|(span, target)| {
                Some(ls::DocumentLink {
                    range: position::range(&text, span, enc),
                    target: Some(position::path_to_uri(&target)?),
                    tooltip: Some(target.display().to_string()),
                    data: None,
                })
            })
            .collect();
        Ok(Some(links))
    }

    async fn document_symbol(
        &self,
        params: ls::DocumentSymbolParams,
    ) -> RpcResult<Option<ls::DocumentSymbolResponse>> {
        let Some((path, text, enc, report)) = self.document(&params.text_document.uri) else {
            return Ok(None);
        };
        let kind = file_kind(&path, &text);
        let scrub = |s: String| match &report {
            Some(r) => r.scrub(&s),
            None => s,
        };
        #[allow(deprecated)]
        fn convert(
            s: navigate::Symbol,
            text: &str,
            enc: Encoding,
            scrub: &dyn Fn(String) -> String,
        ) -> ls::DocumentSymbol {
            use navigate::SymbolKind as K;
            ls::DocumentSymbol {
                name: if s.name.is_empty() {
                    "?".to_string()
                } else {
                    scrub(s.name)
                },
                detail: None,
                kind: match s.kind {
                    K::Remote => ls::SymbolKind::CLASS,
                    K::Proposal => ls::SymbolKind::METHOD,
                    K::Sainfo => ls::SymbolKind::INTERFACE,
                    K::Block => ls::SymbolKind::NAMESPACE,
                    K::Command => ls::SymbolKind::FUNCTION,
                    K::Rule => ls::SymbolKind::FIELD,
                },
                tags: None,
                deprecated: None,
                range: position::range(text, s.span, enc),
                selection_range: position::range(text, s.selection, enc),
                children: (!s.children.is_empty()).then(|| {
                    s.children
                        .into_iter()
                        .map(|c| convert(c, text, enc, scrub))
                        .collect()
                }),
            }
        }
        let symbols = navigate::symbols(kind, &text)
            .into_iter()
            .map(|s| convert(s, &text, enc, &scrub))
            .collect();
        Ok(Some(ls::DocumentSymbolResponse::Nested(symbols)))
    }

    async fn completion(
        &self,
        params: ls::CompletionParams,
    ) -> RpcResult<Option<ls::CompletionResponse>> {
        let tdp = params.text_document_position;
        let Some((path, text, enc, report)) = self.document(&tdp.text_document.uri) else {
            return Ok(None);
        };
        if file_kind(&path, &text) != FileKind::RacoonConf {
            return Ok(None);
        }
        let offset = position::offset(&text, tdp.position, enc);
        let target = self.lock().settings.target.or_else(|| {
            report
                .as_deref()
                .and_then(|r| navigate::gateway_of(r, &path))
                .map(|g| g.target)
        });
        let items = complete::racoon(&text[..offset], target.unwrap_or_default())
            .into_iter()
            .map(|s| ls::CompletionItem {
                label: s.label.to_string(),
                kind: Some(if s.keyword {
                    ls::CompletionItemKind::KEYWORD
                } else {
                    ls::CompletionItemKind::VALUE
                }),
                detail: (!s.detail.is_empty()).then(|| s.detail.to_string()),
                ..Default::default()
            })
            .collect();
        Ok(Some(ls::CompletionResponse::Array(items)))
    }

    async fn code_action(
        &self,
        params: ls::CodeActionParams,
    ) -> RpcResult<Option<ls::CodeActionResponse>> {
        let uri = params.text_document.uri;
        let Some(path) = path_of(&uri) else {
            return Ok(None);
        };
        let st = self.lock();
        let (Some(view), Some(current)) = (st.published.get(&path), st.text_of(&path)) else {
            return Ok(None);
        };
        let out = actions::actions(
            &uri,
            view,
            &current,
            params.range,
            params.context.only.as_deref(),
            st.enc,
        );
        Ok(Some(out))
    }
}
