// The KL extension: the grammar and language configuration are declared in package.json; this file
// starts `layoutc lsp` (the command is the `layoutc.command` setting) as the language server.
'use strict';
const vscode = require('vscode');
const { LanguageClient, TransportKind } = require('vscode-languageclient/node');

let client;

function activate(context) {
  const settings = vscode.workspace.getConfiguration('layoutc');
  const [command, ...args] = settings.get('command', ['layoutc', 'lsp']);
  const server = { command, args, transport: TransportKind.stdio };
  client = new LanguageClient('layoutc', 'layoutc', server, {
    documentSelector: [{ scheme: 'file', language: 'kl' }],
    initializationOptions: { defines: settings.get('defines', []) },
    // a base layout saved elsewhere re-checks the open boards that extend it
    synchronize: { fileEvents: vscode.workspace.createFileSystemWatcher('**/*.kl') },
  });
  context.subscriptions.push({ dispose: () => client && client.stop() });
  return client.start();
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
