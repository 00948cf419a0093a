// Tokenize files with a TextMate grammar as VS Code does (vscode-textmate + the Oniguruma regex engine).
//   node tokenize.js GRAMMAR.json FILE...
// prints {"FILE": [[[startIndex, endIndex, [scopes...]], ...] per line], ...} (indices in UTF-16 units).
'use strict';
const fs = require('fs');
const vsctm = require('vscode-textmate');
const oniguruma = require('vscode-oniguruma');

const [grammarPath, ...files] = process.argv.slice(2);
const wasm = fs.readFileSync(require.resolve('vscode-oniguruma/release/onig.wasm')).buffer;
const onigLib = oniguruma.loadWASM(wasm).then(() => ({
  createOnigScanner: (patterns) => new oniguruma.OnigScanner(patterns),
  createOnigString: (text) => new oniguruma.OnigString(text),
}));
const grammarText = fs.readFileSync(grammarPath, 'utf8');
const scopeName = JSON.parse(grammarText).scopeName;
const registry = new vsctm.Registry({
  onigLib,
  loadGrammar: async (scope) => (scope === scopeName ? vsctm.parseRawGrammar(grammarText, grammarPath) : null),
});

registry.loadGrammar(scopeName).then((grammar) => {
  const out = {};
  for (const file of files) {
    let stack = vsctm.INITIAL;
    out[file] = fs.readFileSync(file, 'utf8').split('\n').map((line) => {
      const result = grammar.tokenizeLine(line, stack);
      stack = result.ruleStack;
      return result.tokens.map((t) => [t.startIndex, t.endIndex, t.scopes]);
    });
  }
  process.stdout.write(JSON.stringify(out));
}).catch((error) => {
  process.stderr.write(String(error && error.stack || error) + '\n');
  process.exit(1);
});
