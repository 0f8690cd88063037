// Copy the vendor CSS/JS the templates use from node_modules into build/static (git-ignored, no bundler).
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";

const files = {
  "node_modules/@utrecht/component-library-css/dist/index.css": "build/static/vendor/utrecht/component-library.css",
  "node_modules/@nl-design-system-unstable/voorbeeld-design-tokens/dist/theme.css": "build/static/vendor/theme/theme.css",
  "node_modules/vega/build/vega.min.js": "build/static/vendor/vega/vega.min.js",
  "node_modules/vega-lite/build/vega-lite.min.js": "build/static/vendor/vega/vega-lite.min.js",
  "node_modules/vega-embed/build/vega-embed.min.js": "build/static/vendor/vega/vega-embed.min.js",
};
rmSync("build/static/vendor", { recursive: true, force: true });
// Source maps are not shipped, so a file's pointer to one would point at nothing: production's hashed static storage
// (collectstatic) follows every such pointer and refuses to finish on a missing target.
const sourceMapPointer = /^\/\/# sourceMappingURL=.*$/gm;
const withoutSourceMap = (text) => text.replace(sourceMapPointer, "");

for (const [from, to] of Object.entries(files)) {
  mkdirSync(dirname(to), { recursive: true });
  if (to.endsWith(".js")) {
    writeFileSync(to, withoutSourceMap(readFileSync(from, "utf8")));
  } else {
    cpSync(from, to);
  }
  console.log(`${from} -> ${to}`);
}

// The web font the theme names (Noto Sans, SIL Open Font License 1.1), served from 'self' (CSP font-src 'self'). Only
// the Latin and Latin Extended subsets in the regular and bold weights (upright and italic) are shipped, as WOFF2 (every
// browser the app supports reads it); Fontsource's own @font-face rules, with their unicode ranges, are kept.
const fontPackage = "node_modules/@fontsource/noto-sans";
const fontTo = "build/static/vendor/fonts/noto-sans";
const fontSubsets = ["latin", "latin-ext"];
const fontFaces = [];
mkdirSync(`${fontTo}/files`, { recursive: true });
for (const weight of ["400", "700"]) {
  for (const style of ["", "-italic"]) {
    const css = readFileSync(`${fontPackage}/${weight}${style}.css`, "utf8");
    for (const subset of fontSubsets) {
      const name = `noto-sans-${subset}-${weight}-${style ? "italic" : "normal"}`;
      const rule = css.match(new RegExp(`/\\* ${name} \\*/\\n@font-face \\{[^}]*\\}`));
      if (rule === null) {
        throw new Error(`${fontPackage}/${weight}${style}.css has no ${name} rule: update scripts/build-static.mjs`);
      }
      fontFaces.push(rule[0].replace(/, url\([^)]*\.woff\) format\('woff'\)/, ""));
      cpSync(`${fontPackage}/files/${name}.woff2`, `${fontTo}/files/${name}.woff2`);
    }
  }
}
cpSync(`${fontPackage}/LICENSE`, `${fontTo}/LICENSE`);
const fontHeader = "/* Noto Sans from @fontsource/noto-sans, SIL Open Font License 1.1 (LICENSE) */";
writeFileSync(`${fontTo}/noto-sans.css`, `${fontHeader}\n${fontFaces.join("\n\n")}\n`);
console.log(`${fontPackage} -> ${fontTo} (${fontFaces.length} font faces)`);

// vega-interpreter evaluates chart expressions without eval/new Function, so the strict CSP can stay. It ships only
// as an ES module importing vega-util; turn it into a plain script that takes those helpers from the `vega` global
// (vega re-exports vega-util) and publishes `window.vegaInterpreter`.
const interpreterFrom = "node_modules/vega-interpreter/build/vega-interpreter.js";
const interpreterTo = "build/static/vendor/vega/vega-interpreter.js";
let source = readFileSync(interpreterFrom, "utf8");
const importLine = /^import \{([^}]*)\} from 'vega-util';$/m;
const exportLine = /^export \{ expression as expressionInterpreter \};$/m;
if (!importLine.test(source) || !exportLine.test(source)) {
  throw new Error(`${interpreterFrom} changed shape: update scripts/build-static.mjs`);
}
source = source.replace(importLine, (_line, names) => `const {${names}} = window.vega;`);
source = source.replace(exportLine, "window.vegaInterpreter = { expressionInterpreter: expression };");
writeFileSync(interpreterTo, `(function () {\n${withoutSourceMap(source)}\n})();\n`);
console.log(`${interpreterFrom} -> ${interpreterTo} (as a plain script)`);
