// The VS Code client: it starts `ipseclint lsp` and passes the settings on.
// Every check, hover, link and fix comes from the server, so the same
// behaviour is tested once, in the server's own tests.

import * as vscode from "vscode";
import {
  LanguageClient,
  LanguageClientOptions,
  ServerOptions,
  TransportKind,
} from "vscode-languageclient/node";

const LANGUAGES = ["racoon", "racoonpsk", "setkey", "ipfw", "ipf", "ipnat", "rcconf"];

let client: LanguageClient | undefined;
let output: vscode.OutputChannel | undefined;

/** The server's settings, as `initializationOptions` and `didChangeConfiguration` carry them. */
function settings(): { target: string | null; configFile: string | null } {
  const c = vscode.workspace.getConfiguration("ipseclint");
  return {
    target: c.get<string | null>("target", null),
    configFile: c.get<string | null>("config", null),
  };
}

function makeClient(): LanguageClient {
  const command = vscode.workspace.getConfiguration("ipseclint").get<string>("path", "ipseclint");
  // With `transport: stdio` the client appends `--stdio` itself.
  const server: ServerOptions = {
    command,
    args: ["lsp"],
    transport: TransportKind.stdio,
  };
  output ??= vscode.window.createOutputChannel("ipseclint");
  const options: LanguageClientOptions = {
    // Files of the languages above, and any file of a gateway directory the
    // server recognises by content (it answers only for files it reads).
    documentSelector: LANGUAGES.map((language) => ({ scheme: "file", language })),
    initializationOptions: settings(),
    outputChannel: output,
    traceOutputChannel: output,
  };
  return new LanguageClient("ipseclint", "ipseclint", server, options);
}

async function start(): Promise<void> {
  client = makeClient();
  await client.start();
}

async function restart(): Promise<void> {
  if (client) {
    await client.stop();
  }
  await start();
}

/** The pairs table of the workspace, from the server's `ipseclint.pairs` command. */
async function showPairs(): Promise<void> {
  if (!client) {
    return;
  }
  const result = (await client.sendRequest("workspace/executeCommand", {
    command: "ipseclint.pairs",
    arguments: [],
  })) as { text?: string } | null;
  const doc = await vscode.workspace.openTextDocument({
    content: result?.text ?? "No answer from the language server.",
    language: "plaintext",
  });
  await vscode.window.showTextDocument(doc, { preview: true });
}

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  context.subscriptions.push(
    vscode.commands.registerCommand("ipseclint.restartServer", restart),
    vscode.commands.registerCommand("ipseclint.showPairs", showPairs),
    vscode.workspace.onDidChangeConfiguration(async (e) => {
      if (e.affectsConfiguration("ipseclint.path")) {
        await restart();
      } else if (e.affectsConfiguration("ipseclint") && client) {
        await client.sendNotification("workspace/didChangeConfiguration", {
          settings: { ipseclint: settings() },
        });
      }
    }),
  );
  await start();
}

export async function deactivate(): Promise<void> {
  await client?.stop();
  client = undefined;
}
