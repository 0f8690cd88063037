// Copy the vendor CSS/JS the templates use from node_modules into build/static (git-ignored, no bundler).
import { cpSync, mkdirSync, rmSync } from "node:fs";
import { dirname } from "node:path";

const files = {
  "node_modules/@utrecht/component-library-css/dist/index.css": "build/static/vendor/utrecht/component-library.css",
  "node_modules/@nl-design-system-unstable/voorbeeld-design-tokens/dist/theme.css": "build/static/vendor/theme/theme.css",
};
rmSync("build/static/vendor", { recursive: true, force: true });
for (const [from, to] of Object.entries(files)) {
  mkdirSync(dirname(to), { recursive: true });
  cpSync(from, to);
  console.log(`${from} -> ${to}`);
}
