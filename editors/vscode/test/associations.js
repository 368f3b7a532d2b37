// Which language VS Code gives each file, from package.json's `filenames`,
// `filenamePatterns` (the longest matching pattern wins, as in VS Code) and
// `firstLine`, compared with the expected language of each case.
// usage: node test/associations.js CASES   (lines "path<TAB>language", "" = none of ours)
const fs = require("fs");
const path = require("path");
const { minimatch } = require("minimatch");

const languages = require("../package.json").contributes.languages;

function languageOf(file) {
  const name = path.basename(file);
  for (const l of languages) {
    if ((l.filenames || []).includes(name)) return l.id;
  }
  let best = null;
  for (const l of languages) {
    for (const p of l.filenamePatterns || []) {
      const target = p.includes("/") ? file : name;
      if (minimatch(target, p, { dot: true, nocase: true }) && (!best || p.length > best.len)) {
        best = { id: l.id, len: p.length };
      }
    }
  }
  if (best) return best.id;
  const first = fs.readFileSync(file, "utf8").split("\n")[0];
  for (const l of languages) {
    if (l.firstLine && new RegExp(l.firstLine).test(first)) return l.id;
  }
  return "";
}

const failures = [];
let checked = 0;
for (const line of fs.readFileSync(process.argv[2], "utf8").split("\n")) {
  if (!line) continue;
  const [file, want] = line.split("\t");
  const got = languageOf(file);
  checked++;
  if (got !== want) failures.push(`${file}: want ${want || "(none)"}, got ${got || "(none)"}`);
}
console.log(failures.join("\n"));
console.log(`associations: ${checked} files, ${failures.length} differ`);
process.exit(failures.length ? 1 : 0);
