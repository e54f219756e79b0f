// Bundles each browser entry point with the Socket.IO client into one minified script in dist/.
// The widget's gzipped size is checked against its budget on every build.
import { build } from "esbuild";
import { readFileSync, writeFileSync } from "node:fs";
import { gzipSync } from "node:zlib";

// The widget ships inside customers' pages: keep it small (Chatwoot's is ~270 KB).
const WIDGET_BUDGET_BYTES = 40 * 1024;

const entries = {
  widget: "src/widget/index.js",
  console: "src/console/index.js",
  admin: "src/admin/index.js",
};

await build({
  entryPoints: entries,
  bundle: true,
  minify: true,
  format: "iife",
  target: ["es2019"],
  outdir: "dist",
  legalComments: "none",
  logLevel: "warning",
});

// Each bundle also goes out gzipped beside it: the server sends the .gz to browsers that accept
// gzip (aiohttp's FileResponse does, with Vary: Accept-Encoding), compressed once here.
for (const name of Object.keys(entries)) {
  writeFileSync(`dist/${name}.js.gz`, gzipSync(readFileSync(`dist/${name}.js`), { level: 9 }));
}

const size = gzipSync(readFileSync("dist/widget.js")).length;
console.log(`widget.js: ${(size / 1024).toFixed(1)} KB gzipped (budget ${WIDGET_BUDGET_BYTES / 1024} KB)`);
if (size > WIDGET_BUDGET_BYTES) {
  console.error("widget.js is over its size budget");
  process.exit(1);
}
