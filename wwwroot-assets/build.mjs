// Copies the browser builds of the front-end packages into dist/, which the
// host serves under /assets/. No bundler: the packages ship browser files.
import { cpSync, mkdirSync, rmSync, existsSync } from "node:fs";

const files = [
  ["node_modules/@xterm/xterm/lib/xterm.js", "dist/xterm/xterm.js"],
  ["node_modules/@xterm/xterm/css/xterm.css", "dist/xterm/xterm.css"],
  ["node_modules/@xterm/addon-fit/lib/addon-fit.js", "dist/xterm/addon-fit.js"],
];

rmSync("dist", { recursive: true, force: true });
for (const [from, to] of files) {
  if (!existsSync(from)) {
    console.error(`missing ${from}: run npm ci first`);
    process.exit(1);
  }
  mkdirSync(to.substring(0, to.lastIndexOf("/")), { recursive: true });
  cpSync(from, to);
}
console.log(`copied ${files.length} files into dist/`);
