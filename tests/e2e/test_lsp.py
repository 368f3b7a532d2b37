"""`ipseclint lsp` end to end, as neovim 0.7 and VS Code start it (pytest-lsp's
client profiles): initialize, open west's racoon.conf of a pair whose DH groups
differ, the cross-peer diagnostics, a hover and a definition on the remote's
address, a code action, shutdown.

Run by tests/editors.rs, which sets IPSECLINT_BIN (the binary) and
IPSECLINT_SITE (a copy of corpus/pairs/fail-dh-group).
"""
import asyncio
import os
import pathlib

import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

BIN = os.environ["IPSECLINT_BIN"]
SITE = pathlib.Path(os.environ["IPSECLINT_SITE"])
WEST = SITE / "west/usr/local/etc/racoon/racoon.conf"
EAST = SITE / "east/usr/local/etc/racoon/racoon.conf"
TIMEOUT = 30.0
# Full versions: the profile match is by prefix and picks the newest.
CLIENTS = ["neovim@v0.7.0", "visual_studio_code@v1.65.2"]


def keys():
    out = []
    for gw in ("west", "east"):
        for line in (SITE / gw / "usr/local/etc/racoon/psk.txt").read_text().splitlines():
            fields = line.split()
            if len(fields) >= 2 and not line.startswith("#"):
                out.append(fields[1])
    return out


@pytest_lsp.fixture(params=CLIENTS, config=ClientServerConfig(server_command=[BIN, "lsp"]))
async def client(request, lsp_client: LanguageClient):
    # VS Code accepts the server's registration of watched files; pytest-lsp's
    # client has no handler for it, so give it one that does the same.
    @lsp_client.feature(types.CLIENT_REGISTER_CAPABILITY)
    def register_capability(params):
        return None

    params = types.InitializeParams(
        capabilities=client_capabilities(request.param),
        root_uri=SITE.as_uri(),
        workspace_folders=[types.WorkspaceFolder(uri=SITE.as_uri(), name="site")],
        initialization_options={"debounceMs": 50},
    )
    lsp_client.init_result = await asyncio.wait_for(lsp_client.initialize_session(params), TIMEOUT)
    yield
    await asyncio.wait_for(lsp_client.shutdown_session(), TIMEOUT)


async def diagnostics_for(client: LanguageClient, uri: str):
    """The first non-empty diagnostics of `uri` (pytest-lsp keeps the latest per URI)."""

    async def wait():
        while not client.diagnostics.get(uri):
            await client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        return client.diagnostics[uri]

    return await asyncio.wait_for(wait(), TIMEOUT)


def open_west(client: LanguageClient) -> str:
    uri = WEST.as_uri()
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(uri=uri, language_id="racoon", version=1, text=WEST.read_text())
        )
    )
    return uri


def remote_address_position() -> types.Position:
    for n, line in enumerate(WEST.read_text().splitlines()):
        if line.startswith("remote 203.0.113.1"):
            return types.Position(line=n, character=len("remote ") + 2)
    raise AssertionError("west has no remote for east")


async def test_initialize_speaks_utf16_to_clients_without_utf8(client: LanguageClient):
    caps = client.init_result.capabilities
    assert caps.hover_provider and caps.definition_provider and caps.code_action_provider
    assert caps.position_encoding in (None, types.PositionEncodingKind.Utf16)


async def test_diagnostics_hover_definition_code_action(client: LanguageClient):
    uri = open_west(client)
    diags = await diagnostics_for(client, uri)
    codes = {d.code for d in diags}
    assert codes == {"IPS6003"}, diags
    errors = [d for d in diags if d.severity == types.DiagnosticSeverity.Error]
    copies = [d for d in diags if d.severity == types.DiagnosticSeverity.Information]
    assert errors and copies, diags
    assert all(d.code_description.href.endswith("/docs/rules/IPS6003.md") for d in diags)
    assert any(r.location.uri == EAST.as_uri() for d in errors for r in d.related_information or [])
    # east's file was published too, without being opened.
    assert (await diagnostics_for(client, EAST.as_uri()))

    td = types.TextDocumentIdentifier(uri=uri)
    at = remote_address_position()
    hover = await asyncio.wait_for(
        client.text_document_hover_async(types.HoverParams(text_document=td, position=at)), TIMEOUT
    )
    assert isinstance(hover.contents, types.MarkupContent)
    assert hover.contents.kind in client.capabilities.text_document.hover.content_format
    assert "gateway east" in hover.contents.value
    assert "PHASE1_FAILED" in hover.contents.value

    found = await asyncio.wait_for(
        client.text_document_definition_async(types.DefinitionParams(text_document=td, position=at)), TIMEOUT
    )
    loc = found[0] if isinstance(found, list) else found
    assert loc.uri == EAST.as_uri()
    assert EAST.read_text().splitlines()[loc.range.start.line].startswith("remote 198.51.100.1")

    actions = await asyncio.wait_for(
        client.text_document_code_action_async(
            types.CodeActionParams(
                text_document=td,
                range=errors[0].range,
                context=types.CodeActionContext(diagnostics=[errors[0]]),
            )
        ),
        TIMEOUT,
    )
    titles = [a.title for a in actions]
    assert "Ignore IPS6003 here" in titles, titles
    edit = next(a for a in actions if a.title == "Ignore IPS6003 here").edit
    assert edit.changes[uri][0].new_text.strip() == "# ipseclint: ignore[IPS6003]"

    shown = repr(diags) + repr(hover) + repr(actions) + repr(client.diagnostics)
    for k in keys():
        assert k not in shown
